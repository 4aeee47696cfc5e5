package dev.pypiguard.server.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Range} header against a file of known length (RFC 9110 §14.1.2): one range is served as
 * asked; several, or a header that is not a byte range, get the whole file (§14.2 allows it).
 *
 * @param start the first byte
 * @param end the last byte, inclusive
 */
record ByteRange(long start, long end) {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  /** What to answer: the whole file, a part of it (206), or 416. */
  sealed interface Answer permits Whole, Part, Unsatisfiable {}

  record Whole() implements Answer {}

  record Part(ByteRange range) implements Answer {}

  record Unsatisfiable() implements Answer {}

  long length() {
    return end - start + 1;
  }

  static Answer parse(String header, long length) {
    Matcher m = RANGE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return new Whole();
    }
    long start;
    long end = length - 1;
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0) {
          return new Unsatisfiable();
        }
        start = Math.max(0, length - suffix);
      } else {
        start = Long.parseLong(m.group(1));
        if (!m.group(2).isEmpty()) {
          end = Math.min(end, Long.parseLong(m.group(2)));
        }
      }
    } catch (NumberFormatException e) {
      // Absurdly large numbers: past any file.
      return m.group(1).isEmpty() ? new Whole() : new Unsatisfiable();
    }
    if (start >= length || start > end) {
      return new Unsatisfiable();
    }
    return new Part(new ByteRange(start, end));
  }
}
