/**
 * OSV advisories: the sources (the bundled malicious-packages snapshot, OSV zip exports and
 * directories, the OSV API), the database they load into, CVSS severities, and the {@code
 * advisories} rule.
 */
@NullMarked
package dev.pypiguard.policy.advisory;

import org.jspecify.annotations.NullMarked;
