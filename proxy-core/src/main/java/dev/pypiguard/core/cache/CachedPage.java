package dev.pypiguard.core.cache;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * A parsed upstream page with what revalidation needs.
 *
 * @param value the page ({@code ProjectPage} or {@code ProjectIndex})
 * @param version a digest of the page's canonical form: it changes when, and only when, the page
 *     does, and keys everything derived from it
 * @param fetchedAt when the upstream last gave or confirmed it
 * @param etag the upstream's ETag, for {@code If-None-Match}
 * @param source the URL it came from (relative file URLs were resolved against it)
 */
public record CachedPage<T>(
    T value, String version, Instant fetchedAt, Optional<String> etag, URI source) {
  CachedPage<T> confirmedAt(Instant now) {
    return new CachedPage<>(value, version, now, etag, source);
  }
}
