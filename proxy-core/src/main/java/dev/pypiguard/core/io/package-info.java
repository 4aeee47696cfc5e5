/**
 * Writing files that readers and crashes see whole or not at all: {@link
 * dev.pypiguard.core.io.DurableFile} writes beside its target, forces the bytes to the device,
 * renames atomically and forces the directory, so that every cache, store and command of pypi-guard
 * that replaces a file does it the same way.
 */
@NullMarked
package dev.pypiguard.core.io;

import org.jspecify.annotations.NullMarked;
