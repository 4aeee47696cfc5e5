/**
 * The policy file: the {@code Policy} it describes, the loader that reports every problem with its
 * line, and the built-in policy used without a file.
 */
@NullMarked
package dev.pypiguard.policy.config;

import org.jspecify.annotations.NullMarked;
