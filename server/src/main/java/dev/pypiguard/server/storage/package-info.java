/**
 * Storage shared by replicas: the S3 object store, and the first-seen times, known files and
 * publishers that replicas share through it.
 */
@NullMarked
package dev.pypiguard.server.storage;

import org.jspecify.annotations.NullMarked;
