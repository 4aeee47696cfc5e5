/**
 * Air-gapped mirrors: seeding the cache from a requirements file (with the PEP 508 requirement and
 * marker parser), exporting it as a static tree, and importing such a tree with every hash checked.
 */
@NullMarked
package dev.pypiguard.server.mirror;

import org.jspecify.annotations.NullMarked;
