/**
 * PEP 440: versions, pre-releases, version specifiers and specifier sets, parsed strictly and
 * compared as pip compares them.
 */
@NullMarked
package dev.pypiguard.core.version;

import org.jspecify.annotations.NullMarked;
