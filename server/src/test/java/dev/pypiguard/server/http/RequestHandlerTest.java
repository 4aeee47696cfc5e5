package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.Download;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.server.ProxyServer;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request handler in an {@link EmbeddedChannel} (issue 12): routing, pipelined requests
 * answered in request order even when a later answer is ready first, and failures mapped to their
 * status and one-line body. The services are a real server's, in front of a test upstream.
 */
class RequestHandlerTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  TestUpstream upstream;
  ProxyServer server;
  Artifact alpha;

  @BeforeEach
  void start() throws IOException {
    upstream = TestUpstream.start(TestUpstream.Mode.JSON_AND_HTML);
    alpha = WheelBuilder.of("alpha", "1.0").build();
    upstream.publish(alpha);
    server = ProxyServer.start(config(upstream.uri()));
  }

  private ServerConfig config(URI index) throws IOException {
    Path policy =
        Files.writeString(
            dir.resolve("policy.yaml"), "# nothing blocked beyond the baseline rules\n");
    return ServerConfig.defaults(index, dir.resolve("cache"))
        .withPort(0)
        .withPolicyFile(Optional.of(policy))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(500));
  }

  @AfterEach
  void stop() {
    server.close();
    upstream.close();
  }

  /** The connection's handlers as the initializer adds them, without codec and TLS. */
  private EmbeddedChannel channel() {
    return new EmbeddedChannel(new InOrderResponses(), server.initializer().handler());
  }

  private static FullHttpRequest request(HttpMethod method, String target, String... headers) {
    var r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target);
    r.headers().set(HttpHeaderNames.HOST, "proxy.test");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      r.headers().set(headers[i], headers[i + 1]);
    }
    return r;
  }

  /** The next {@code n} responses, running the channel's tasks until they are written (bounded). */
  private static List<FullHttpResponse> responses(EmbeddedChannel ch, int n)
      throws InterruptedException {
    var out = new ArrayList<FullHttpResponse>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < n && System.nanoTime() < deadline) {
      ch.runPendingTasks();
      Object msg = ch.readOutbound();
      if (msg == null) {
        Thread.sleep(5);
      } else if (msg instanceof FullHttpResponse r) {
        out.add(r);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    assertThat(out).as("responses within %s", WAIT).hasSize(n);
    return out;
  }

  private static String body(FullHttpResponse r) {
    return r.content().toString(StandardCharsets.UTF_8);
  }

  private static FullHttpResponse one(EmbeddedChannel ch, FullHttpRequest request)
      throws InterruptedException {
    ch.writeInbound(request);
    return responses(ch, 1).get(0);
  }

  @Test
  void route_eachKindAnswersWithItsStatus() throws Exception {
    EmbeddedChannel ch = channel();
    FullHttpResponse health = one(ch, request(HttpMethod.GET, "/healthz"));
    assertThat(health.status().code()).isEqualTo(200);
    assertThat(body(health)).startsWith("ok\n");

    FullHttpResponse redirect = one(ch, request(HttpMethod.GET, "/simple?x=1"));
    assertThat(redirect.status().code()).isEqualTo(301);
    assertThat(redirect.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/simple/?x=1");

    FullHttpResponse missing = one(ch, request(HttpMethod.GET, "/nope"));
    assertThat(missing.status().code()).isEqualTo(404);
    assertThat(body(missing)).isEqualTo("no such path\n");

    FullHttpResponse bad = one(ch, request(HttpMethod.GET, "/simple/%2e%2e/"));
    assertThat(bad.status().code()).isEqualTo(400);
    assertThat(body(bad)).isEqualTo("malformed request path\n");

    FullHttpResponse put = one(ch, request(HttpMethod.PUT, "/simple/"));
    assertThat(put.status().code()).isEqualTo(405);
    assertThat(put.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET, HEAD");

    FullHttpResponse page =
        one(
            ch,
            request(
                HttpMethod.GET, "/simple/alpha/", "Accept", "application/vnd.pypi.simple.v1+json"));
    assertThat(page.status().code()).isEqualTo(200);
    assertThat(page.headers().get(HttpHeaderNames.CONTENT_TYPE))
        .isEqualTo("application/vnd.pypi.simple.v1+json");
    assertThat(body(page)).contains(alpha.filename());

    FullHttpResponse unacceptable =
        one(ch, request(HttpMethod.GET, "/simple/alpha/", "Accept", "image/png"));
    assertThat(unacceptable.status().code()).isEqualTo(406);

    // Without auth, the admin API answers loopback clients only; an embedded channel is none.
    FullHttpResponse admin = one(ch, request(HttpMethod.GET, "/-/admin/stats"));
    assertThat(admin.status().code()).isEqualTo(403);
    ch.finishAndReleaseAll();
  }

  @Test
  void pipelined_laterReplyReadyFirst_stillAnsweredInRequestOrder() throws Exception {
    // The page is slow at the upstream; the health check behind it is ready at once.
    upstream.delay("/simple/alpha", Duration.ofMillis(500));
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        request(HttpMethod.GET, "/simple/alpha/", "Accept", "application/vnd.pypi.simple.v1+json"),
        request(HttpMethod.GET, "/healthz"),
        request(HttpMethod.GET, "/nope"));
    List<FullHttpResponse> r = responses(ch, 3);
    assertThat(r.get(0).status().code()).isEqualTo(200);
    assertThat(body(r.get(0))).contains(alpha.filename());
    assertThat(r.get(1).status().code()).isEqualTo(200);
    assertThat(body(r.get(1))).startsWith("ok\n");
    assertThat(r.get(2).status().code()).isEqualTo(404);
    ch.finishAndReleaseAll();
  }

  @Test
  void failures_upstreamWithoutProjectIs404_downUpstreamIs502() throws Exception {
    EmbeddedChannel ch = channel();
    FullHttpResponse none = one(ch, request(HttpMethod.GET, "/simple/no-such-project/"));
    assertThat(none.status().code()).isEqualTo(404);

    FullHttpResponse file =
        one(ch, request(HttpMethod.GET, "/files/alpha/alpha-9.9-py3-none-any.whl"));
    assertThat(file.status().code()).isEqualTo(404);
    assertThat(body(file)).isEqualTo("alpha-9.9-py3-none-any.whl is not a file of alpha\n");

    upstream.failWith("/simple/beta", 500);
    FullHttpResponse down = one(ch, request(HttpMethod.GET, "/simple/beta/"));
    assertThat(down.status().code()).isEqualTo(502);
    assertThat(down.status().reasonPhrase()).isEqualTo("Bad Gateway");
    ch.finishAndReleaseAll();
  }

  @Test
  void failures_mapEachOutcomeToItsStatusAndLine() throws Exception {
    EmbeddedChannel ch = channel();
    var ex = exchange(ch);
    assertThat(Failures.unexpected(ex, new IllegalStateException("bug")).response().status().code())
        .isEqualTo(500);
    assertThat(body(Failures.unexpected(ex, new IllegalStateException("bug")).response()))
        .isEqualTo("internal error\n");
    var busy =
        Failures.unexpected(
            ex, new java.util.concurrent.CompletionException(new RejectedExecutionException()));
    assertThat(busy.response().status().code()).isEqualTo(503);

    assertThat(status(Failures.lookup(new PageLookup.Missing<>("no such project")))).isEqualTo(404);
    assertThat(status(Failures.lookup(new PageLookup.Unavailable<>("down", false)))).isEqualTo(502);
    assertThat(status(Failures.lookup(new PageLookup.Unavailable<>("slow", true)))).isEqualTo(504);
    // A found page is not a failure: never an empty answer (the writer answers 500 for it).
    assertThatThrownBy(
            () ->
                Failures.lookup(
                    new PageLookup.Found<>(
                        new CachedPage<>(
                            "page",
                            "v1",
                            java.time.Instant.EPOCH,
                            Optional.empty(),
                            URI.create("http://upstream.test/")),
                        false)))
        .isInstanceOf(IllegalStateException.class);

    FullHttpResponse held =
        complete(Failures.download(new DownloadOutcome.Held("awaiting provenance")));
    assertThat(held.status().code()).isEqualTo(503);
    assertThat(held.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("5");
    FullHttpResponse blocked = complete(Failures.download(new DownloadOutcome.Blocked("too new")));
    assertThat(blocked.status().code()).isEqualTo(403);
    assertThat(blocked.status().reasonPhrase()).isEqualTo("Blocked by policy: too new");
    assertThat(
            status(
                Failures.download(
                    DownloadOutcome.failed(
                        "a.whl", new dev.pypiguard.core.blob.IntegrityException("x")))))
        .isEqualTo(502);
    assertThat(
            status(
                Failures.download(
                    DownloadOutcome.failed(
                        "a.whl",
                        new java.util.concurrent.CompletionException(
                            new Download.DownloadFailure("slow", false, true))))))
        .isEqualTo(504);
    assertThat(DownloadOutcome.failed("a.whl", new Download.DownloadFailure("gone", true, false)))
        .isEqualTo(new DownloadOutcome.UpstreamFailure("a.whl", "gone", false, true));
    ch.finishAndReleaseAll();
  }

  @Test
  void writer_failedFutureBecomesItsStatus() throws Exception {
    EmbeddedChannel ch = channel();
    var ex = exchange(ch);
    ReplyWriter.write(
        ex,
        new FileSender(server.store(), Runnable::run, false),
        CompletableFuture.failedFuture(new RejectedExecutionException("full")));
    FullHttpResponse r = responses(ch, 1).get(0);
    assertThat(r.status().code()).isEqualTo(503);
    assertThat(body(r)).isEqualTo("the server is too busy; try again\n");
    ch.finishAndReleaseAll();
  }

  /** An exchange of {@code ch} that counts into metrics and a counter of its own. */
  private static Exchange exchange(EmbeddedChannel ch) {
    return new Exchange(
        ch.pipeline().lastContext(),
        request(HttpMethod.GET, "/x"),
        new java.util.concurrent.atomic.AtomicInteger(),
        new dev.pypiguard.server.metrics.ProxyMetrics());
  }

  private static int status(Reply reply) {
    return complete(reply).status().code();
  }

  private static FullHttpResponse complete(Reply reply) {
    assertThat(reply).isInstanceOf(Reply.Complete.class);
    return ((Reply.Complete) reply).response();
  }
}
