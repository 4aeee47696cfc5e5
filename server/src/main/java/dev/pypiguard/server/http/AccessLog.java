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

  /** Lines waiting for the writer, in the order their requests finished. */
  private static final java.util.concurrent.ConcurrentLinkedQueue<String> PENDING =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Whether a drain task is queued or running: one hand-off per batch, not per request. */
  private static final java.util.concurrent.atomic.AtomicBoolean DRAINING =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** The formatted date of the current second (formatting it per request showed in profiles). */
  private static volatile Second second = new Second(0, "");

  private record Second(long epoch, String text) {}

  /**
   * Formats the line on the caller's thread (it reads the exchange) and has {@code writer} write
   * it: the log goes to a stream, and that write must not hold up an event loop. Lines are queued
   * and written in batches, so that a busy event loop hands work to the writer once per batch
   * rather than once per request (README "Speed").
   */
  static void write(
      Exchange ex, Duration took, boolean complete, java.util.concurrent.Executor writer) {
    write(ex, took.toMillis(), complete, writer);
  }

  static void write(
      Exchange ex, long tookMillis, boolean complete, java.util.concurrent.Executor writer) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    String ua = ex.headers.get("User-Agent", "-");
    String referer = ex.headers.get("Referer", "-");
    var line =
        new StringBuilder(160)
            .append(ex.remote())
            .append(" - ")
            .append(clean(ex.user))
            .append(" [")
            .append(now())
            .append("] \"")
            .append(ex.method)
            .append(' ')
            .append(clean(ex.uri))
            .append(' ')
            .append(ex.version)
            .append("\" ")
            .append(ex.status)
            .append(' ')
            .append(ex.bytes)
            .append(" \"")
            .append(clean(referer))
            .append("\" \"")
            .append(clean(ua))
            .append("\" ")
            .append(tookMillis)
            .append("ms");
    if (!complete) {
      line.append(" incomplete");
    }
    PENDING.add(line.toString());
    if (DRAINING.compareAndSet(false, true)) {
      try {
        writer.execute(AccessLog::drain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        drain(); // shutting down: write it here rather than lose it
      }
    }
  }

  /** Writes every queued line; a line queued while the flag is cleared schedules the next batch. */
  private static void drain() {
    do {
      for (String l = PENDING.poll(); l != null; l = PENDING.poll()) {
        LOG.info(l);
      }
      DRAINING.set(false);
    } while (!PENDING.isEmpty() && DRAINING.compareAndSet(false, true));
  }

  private static String now() {
    long epochSecond = System.currentTimeMillis() / 1000;
    Second cached = second;
    if (cached.epoch() == epochSecond) {
      return cached.text();
    }
    String formatted =
        CLF.format(
            ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    second = new Second(epochSecond, formatted);
    return formatted;
  }

  /**
   * Quotes and control characters from a client could forge log lines: escape them ({@code \"},
   * {@code \\}, {@code \xNN}), and cut the text at 512 characters.
   */
  static String clean(String s) {
    if (s.length() <= 512 && plain(s)) {
      return s;
    }
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

  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }
}
