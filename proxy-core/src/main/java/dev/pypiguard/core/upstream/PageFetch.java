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

  /** No usable answer: connection failure, timeout, an error status or a refused redirect. */
  record Failed(String reason, boolean timedOut) implements PageFetch {}
}
