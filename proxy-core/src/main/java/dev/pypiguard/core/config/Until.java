package dev.pypiguard.core.config;

import java.time.Instant;
import java.util.Objects;

/**
 * The end of a validity written in a config file: an exception's, an ignored advisory's.
 *
 * @param written the value as the file wrote it, for messages
 * @param expires the first instant at which it no longer holds; a date holds through the end of
 *     that day, UTC
 */
public record Until(String written, Instant expires) {
  public Until {
    Objects.requireNonNull(written, "written");
    Objects.requireNonNull(expires, "expires");
  }

  @Override
  public String toString() {
    return written;
  }
}
