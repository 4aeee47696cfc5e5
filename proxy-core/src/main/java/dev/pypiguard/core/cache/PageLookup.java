package dev.pypiguard.core.cache;

/** The outcome of looking up a page in the cache, and the upstream where needed. */
public sealed interface PageLookup<T> {
  /** A page; {@code stale} when the upstream could not confirm it and an older copy is served. */
  record Found<T>(CachedPage<T> page, boolean stale) implements PageLookup<T> {}

  /** The upstream has no such page, or in offline mode the cache has none. */
  record Missing<T>(String why) implements PageLookup<T> {}

  /** No page and no copy: the upstream failed ({@code timedOut} separates 504 from 502). */
  record Unavailable<T>(String why, boolean timedOut) implements PageLookup<T> {}
}
