/**
 * What every config file reader shares: a YAML document that reports problems with file and line
 * ({@code YamlDocument}), and the parsers of sizes and durations ({@code 10MiB}, {@code 7d}).
 */
@NullMarked
package dev.pypiguard.core.config;

import org.jspecify.annotations.NullMarked;
