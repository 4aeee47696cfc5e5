/**
 * The {@code pypi-guard} command line (picocli): serve, check, policy, advisories, token and
 * verify, each turning user mistakes into one clear line and an exit code.
 */
@NullMarked
package dev.pypiguard.server.cli;

import org.jspecify.annotations.NullMarked;
