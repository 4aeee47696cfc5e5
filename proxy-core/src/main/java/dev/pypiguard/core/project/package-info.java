/**
 * Names and files of Python projects: normalized project names (PEP 503), distribution file names
 * of wheels and sdists, name globs, and reading a wheel's zip for its metadata.
 */
@NullMarked
package dev.pypiguard.core.project;

import org.jspecify.annotations.NullMarked;
