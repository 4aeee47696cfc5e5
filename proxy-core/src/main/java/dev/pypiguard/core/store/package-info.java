/**
 * The object-store interface that replicas share (an S3 bucket in production), kept free of any
 * store's client library.
 */
@NullMarked
package dev.pypiguard.core.store;

import org.jspecify.annotations.NullMarked;
