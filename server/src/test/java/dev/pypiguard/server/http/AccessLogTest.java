package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AccessLogTest {
  /** Issue 14: what a client sends cannot forge or colour a log line. */
  @Test
  void clean_escapesControlBytesQuotesAndBackslashes() {
    assertThat(AccessLog.clean("/x?a=\u001b[31m\r\nfake \"line\" \\"))
        .isEqualTo("/x?a=\\x1b[31m\\x0d\\x0afake \\\"line\\\" \\\\");
    assertThat(AccessLog.clean("a".repeat(600))).hasSize(515).endsWith("...");
  }

  /**
   * Lines are queued and written by the log's own writer in the layout of every other log line;
   * past the limit they are counted, dropped and reported, never kept without bound.
   */
  @Test
  void queuedLines_areWrittenWhole_andAnOverflowIsCountedNotKept() {
    var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/simple/x/");
    int sent = AccessLog.LIMIT + 1_000;
    String log = new String(written(request, 12, 3, sent), StandardCharsets.UTF_8);
    var line =
        Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[INFO\\] access - \\S+ - - "
                + "\\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "
                + "\"GET /simple/x/ HTTP/1.1\" 200 12 \"-\" \"-\" 3ms");
    long written = log.lines().filter(l -> line.matcher(l).matches()).count();
    long dropped = 0;
    Matcher m = Pattern.compile("access log: (\\d+) lines dropped").matcher(log);
    while (m.find()) {
      dropped += Long.parseLong(m.group(1));
    }
    assertThat(written).as("lines written whole").isEqualTo(AccessLog.LIMIT);
    assertThat(dropped).as("lines counted as dropped").isEqualTo(sent - AccessLog.LIMIT);
    assertThat(log.lines().filter(l -> l.contains("[INFO] access - ")).count()).isEqualTo(written);
  }

  /**
   * Lines are encoded as UTF-8 into the writer's kept buffer: text wider than a byte a character
   * (more bytes than the buffer holds, so it is written in several rounds) comes out whole.
   */
  @Test
  void wideText_isWrittenWhole_acrossTheWritersBuffer() {
    var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/simple/x/");
    String agent = "pip/" + "\u00e9\u6f22".repeat(100);
    request.headers().set("User-Agent", agent);
    int sent = 600; // about 300 KB of UTF-8
    byte[] bytes = written(request, 0, 1, sent);
    assertThat(bytes.length).isGreaterThan(4 * 64 * 1024);
    String log = new String(bytes, StandardCharsets.UTF_8);
    assertThat(log.lines().filter(l -> l.endsWith("\"" + agent + "\" 1ms")).count())
        .isEqualTo(sent);
  }

  /**
   * What the log writes for {@code lines} lines of an exchange of {@code request} (a 200 of {@code
   * bytes} bytes taking {@code millis} ms), all queued before the writer runs.
   */
  private static byte[] written(
      DefaultFullHttpRequest request, long bytes, long millis, int lines) {
    var ch = new EmbeddedChannel(new io.netty.channel.ChannelInboundHandlerAdapter());
    var ex =
        new Exchange(
            ch.pipeline().firstContext(),
            request,
            new AtomicInteger(),
            new dev.pypiguard.server.metrics.ProxyMetrics());
    ex.status = 200;
    ex.bytes = bytes;
    PrintStream saved = System.err;
    var captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      AccessLog.flush(); // whatever other tests queued goes to the captured stream too
      captured.reset();
      synchronized (AccessLog.class) { // the writer waits: nothing drains while the queue fills
        for (int i = 0; i < lines; i++) {
          AccessLog.write(ex, millis, true);
        }
      }
      AccessLog.flush();
    } finally {
      System.setErr(saved);
      ch.finishAndReleaseAll();
    }
    return captured.toByteArray();
  }
}
