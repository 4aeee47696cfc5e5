/**
 * PEP 508 dependency specifiers: a {@link dev.pypiguard.core.requirement.Requirement} (project,
 * extras, a PEP 440 specifier set from {@code core.version}, and an environment {@link
 * dev.pypiguard.core.requirement.Marker}) as written in {@code Requires-Dist} and requirements
 * files, and the marker evaluator, three-valued so that a variable the target does not fix keeps
 * the requirement (a mirror with one file too many is harmless, one too few breaks the install).
 */
@NullMarked
package dev.pypiguard.core.requirement;

import org.jspecify.annotations.NullMarked;
