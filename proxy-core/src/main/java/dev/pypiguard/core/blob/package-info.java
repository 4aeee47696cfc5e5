/**
 * The content-addressed blob store: files kept under their sha256 ({@code Sha256}), written through
 * a {@code BlobWriter} that checks the hash before a blob becomes visible, with least-
 * recently-used eviction to a size bound.
 */
@NullMarked
package dev.pypiguard.core.blob;

import org.jspecify.annotations.NullMarked;
