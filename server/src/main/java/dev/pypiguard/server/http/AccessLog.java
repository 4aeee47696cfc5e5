package dev.pypiguard.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request in the Combined Log Format, followed by the time taken: {@code 127.0.0.1 -
 * ci [25/Nov/2026:10:00:00 +0000] "GET /simple/x/ HTTP/1.1" 200 1234 "-" "pip/23.2.1" 3ms}, where
 * {@code ci} is the name of the client's token or user ({@code -} without one), never its secret.
 */
public final class AccessLog {
  static final Logger LOG = LoggerFactory.getLogger("pypi-guard.access");
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);

  private AccessLog() {}

  /** How long a line may wait for the writer; the writer wakes sooner for a long queue. */
  private static final long DRAIN_NANOS = 50_000_000L;

  /** Queued lines that wake the writer before its next round. */
  private static final int WAKE_AT = 4_096;

  /**
   * Queued lines beyond which new lines are counted and dropped (about 16 MB): a log sink slower
   * than the requests must not take the heap, and the proxy, with it.
   */
  static final int LIMIT = 65_536;

  /** Lines waiting for the writer, in the order their requests finished. */
  private static final ConcurrentLinkedQueue<StringBuilder> PENDING = new ConcurrentLinkedQueue<>();

  /** The writer's batch of lines, written at 64 KB: kept, with what encodes it, across flushes. */
  private static final int BATCH = 64 * 1024;

  private static final StringBuilder LINES = new StringBuilder(BATCH + 8 * 1024);
  private static char[] chars = new char[BATCH + 8 * 1024];
  private static final ByteBuffer BYTES = ByteBuffer.allocate(BATCH);
  private static final CharsetEncoder UTF8 =
      StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);

  private static final AtomicInteger QUEUED = new AtomicInteger();
  private static final AtomicLong DROPPED = new AtomicLong();

  /**
   * The one writer: it wakes every 50 ms (or when {@link #WAKE_AT} lines wait) and writes what is
   * queued in a few large writes. No request hands it work, so a busy event loop wakes no thread
   * per request or per batch (README "Speed").
   */
  private static final Thread WRITER = writer();

  /** The formatted date of the current second (formatting it per request showed in profiles). */
  private static volatile Second second = new Second(0, "", "");

  private record Second(long epoch, String clf, String iso) {}

  private static Thread writer() {
    Thread t =
        new Thread(
            () -> {
              while (true) {
                LockSupport.parkNanos(DRAIN_NANOS);
                flush();
              }
            },
            "pypi-guard-access-log");
    t.setDaemon(true);
    t.start();
    Runtime.getRuntime().addShutdownHook(new Thread(AccessLog::flush, "pypi-guard-access-flush"));
    return t;
  }

  /**
   * Formats the line on the caller's thread (it reads the exchange) and queues it for the writer.
   */
  static void write(Exchange ex, Duration took, boolean complete) {
    write(ex, took.toMillis(), complete);
  }

  static void write(Exchange ex, long tookMillis, boolean complete) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    long nowMillis = System.currentTimeMillis();
    Second s = second(nowMillis / 1000);
    String ua = ex.headers.get(HttpHeaderNames.USER_AGENT, "-"); // hashed once, not per request
    String referer = ex.headers.get(HttpHeaderNames.REFERER, "-");
    var line =
        new StringBuilder(200)
            // the layout of every other log line (simplelogger.properties): date, level, logger
            .append(s.iso())
            .append('.')
            .append((char) ('0' + nowMillis % 1000 / 100))
            .append((char) ('0' + nowMillis % 100 / 10))
            .append((char) ('0' + nowMillis % 10))
            .append("Z [INFO] access - ")
            .append(ex.remote())
            .append(" - ")
            .append(clean(ex.user))
            .append(" [")
            .append(s.clf())
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
    line.append('\n');
    int queued = QUEUED.incrementAndGet();
    if (queued > LIMIT) {
      QUEUED.decrementAndGet();
      DROPPED.incrementAndGet();
      return;
    }
    PENDING.add(line); // not copied into a String: the writer appends it to its batch
    if (queued == WAKE_AT) {
      LockSupport.unpark(WRITER);
    }
  }

  /**
   * Writes every queued line to standard error (where the other log lines go), in writes of up to
   * 64 KB, and says how many lines were dropped since the last time. Called by the writer, at
   * shutdown and by tests; concurrent callers take turns.
   */
  public static synchronized void flush() {
    PrintStream err = System.err; // read each time: a test may have replaced it
    for (StringBuilder l = PENDING.poll(); l != null; l = PENDING.poll()) {
      QUEUED.decrementAndGet();
      LINES.append(l);
      if (LINES.length() >= BATCH) {
        emit(err);
      }
    }
    long dropped = DROPPED.getAndSet(0);
    if (dropped > 0) {
      LOG.warn(
          "access log: {} lines dropped (more than {} waited for the log's output)",
          dropped,
          LIMIT);
    }
    emit(err);
  }

  /**
   * Writes the batch as UTF-8 through buffers that are kept, not copied into a new String and byte
   * array per batch (each line was allocated three times over).
   */
  private static void emit(PrintStream err) {
    int n = LINES.length();
    if (n == 0) {
      return;
    }
    if (chars.length < n) {
      chars = new char[n];
    }
    LINES.getChars(0, n, chars, 0);
    LINES.setLength(0);
    CharBuffer in = CharBuffer.wrap(chars, 0, n);
    UTF8.reset();
    for (boolean done = false; !done; ) {
      CoderResult r = in.hasRemaining() ? UTF8.encode(in, BYTES, true) : UTF8.flush(BYTES);
      done = !in.hasRemaining() && r.isUnderflow();
      if (r.isOverflow() || done) {
        err.write(BYTES.array(), 0, BYTES.position());
        BYTES.clear();
      }
    }
    err.flush();
  }

  private static Second second(long epochSecond) {
    Second cached = second;
    if (cached.epoch() == epochSecond) {
      return cached;
    }
    var at = ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    Second next = new Second(epochSecond, CLF.format(at), ISO.format(at));
    second = next;
    return next;
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
