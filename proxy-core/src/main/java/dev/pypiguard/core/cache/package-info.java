/**
 * The page cache and downloads: cached project pages with their freshness ({@code PageCache},
 * {@code PageLookup}), single-flight downloads of files into the blob store, and blobs shared with
 * other replicas through an object store.
 */
@NullMarked
package dev.pypiguard.core.cache;

import org.jspecify.annotations.NullMarked;
