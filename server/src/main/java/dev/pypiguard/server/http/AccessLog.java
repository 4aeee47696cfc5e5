package dev.pypiguard.server.http;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request in the Combined Log Format, followed by the time taken: {@code 127.0.0.1 -
 * ci [25/Nov/2026:10:00:00 +0000] "GET /simple/x/ HTTP/1.1" 200 1234 "-" "pip/23.2.1" 3ms}, where
 * {@code ci} is the name of the client's token or user ({@code -} without one), never its secret.
 */
final class AccessLog {
  static final Logger LOG = LoggerFactory.getLogger("pypi-guard.access");
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

  private AccessLog() {}

  /**
   * Formats the line on the caller's thread (it reads the exchange) and writes it on {@code
   * writer}: the log goes to a stream, and that write must not hold up an event loop.
   */
  static void write(Exchange ex, Duration took, boolean complete, java.util.concurrent.Executor writer) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    String ua = ex.headers.get("User-Agent", "-");
    String referer = ex.headers.get("Referer", "-");
    String line = String.format(
        Locale.ROOT,
        "%s - %s [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" %dms%s",
        ex.remote(),
        clean(ex.user),
        CLF.format(ZonedDateTime.now(ZoneOffset.UTC)),
        ex.method,
        clean(ex.uri),
        ex.version,
        ex.status,
        ex.bytes,
        clean(referer),
        clean(ua),
        took.toMillis(),
        complete ? "" : " incomplete");
    try {
      writer.execute(() -> LOG.info(line));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.info(line); // shutting down: write it here rather than lose it
    }
  }

  /**
   * Quotes and control characters from a client could forge log lines: escape them ({@code \"},
   * {@code \\}, {@code \xNN}), and cut the text at 512 characters.
   */
  static String clean(String s) {
    String t = s.length() > 512 ? s.substring(0, 512) + "..." : s;
    var sb = new StringBuilder(t.length() + 8);
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '\\' || c == '"') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
