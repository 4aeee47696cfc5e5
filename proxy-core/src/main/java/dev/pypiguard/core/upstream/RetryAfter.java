package dev.pypiguard.core.upstream;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The {@code Retry-After} header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. */
final class RetryAfter {
  /** An upstream cannot make us wait longer than this. */
  static final Duration MAX = Duration.ofMinutes(5);

  private RetryAfter() {}

  static Optional<Duration> parse(HttpHeaders headers, Instant now) {
    return headers.firstValue("Retry-After").flatMap(v -> parse(v, now));
  }

  static Optional<Duration> parse(String value, Instant now) {
    String v = value.trim();
    Duration d;
    if (v.matches("\\d{1,10}")) {
      d = Duration.ofSeconds(Long.parseLong(v));
    } else {
      try {
        d =
            Duration.between(
                now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    if (d.isNegative() || d.isZero()) {
      return Optional.empty();
    }
    return Optional.of(d.compareTo(MAX) > 0 ? MAX : d);
  }
}
