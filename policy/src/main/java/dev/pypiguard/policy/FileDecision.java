package dev.pypiguard.policy;

import dev.pypiguard.core.simple.FileEntry;

/**
 * One file of a page with its verdict.
 *
 * @param file the file as it is to be served (a local yank changes it)
 * @param version the version its name carries, or empty when it has none that parses
 * @param decision the verdict
 */
public record FileDecision(FileEntry file, String version, Decision decision) {}
