package dev.pypiguard.core.upstream;

import java.net.URI;
import java.util.Optional;

/** The outcome of asking an upstream for an index page. */
public sealed interface PageFetch {
  /** A new body. */
  record Fetched(URI url, byte[] body, String contentType, Optional<String> etag)
      implements PageFetch {}

  /** The upstream confirmed that the copy with the given ETag is current (HTTP 304). */
  record NotModified() implements PageFetch {}

  /** The upstream has no such page (HTTP 404 or 410). */
  record NotFound() implements PageFetch {}

  /**
   * No usable answer: connection failure, timeout, an error status or a refused redirect; {@code
   * retryAfter} is how long the upstream asked us to wait (its {@code Retry-After} on 429/503).
   */
  record Failed(String reason, boolean timedOut, Optional<java.time.Duration> retryAfter)
      implements PageFetch {
    public Failed(String reason, boolean timedOut) {
      this(reason, timedOut, Optional.empty());
    }
  }
}
