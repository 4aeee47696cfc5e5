package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream going away, erring or stalling: cached things keep being served, the rest fails
 * fast.
 */
class ResilienceIT {
  @TempDir Path cache;
  Harness h;
  Artifact wheel;

  @BeforeEach
  void start() {
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, c -> c.withPageTtl(Duration.ZERO));
    wheel = WheelBuilder.of("alpha", "1.0").build();
    h.upstream.publish(wheel);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private String fileUrl() {
    return "/files/alpha/" + wheel.filename();
  }

  @Test
  void restart_withUpstreamStopped_servesCachedPageAndFile() {
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    assertThat(h.get(fileUrl()).statusCode()).isEqualTo(200);
    h.upstream.stop();
    h.restart();
    var page = h.get("/simple/alpha/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Warning").orElse("")).contains("Stale");
    var file = h.get(fileUrl());
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.body()).isEqualTo(wheel.bytes());
  }

  @Test
  void expiredPage_revalidatesWithEtag() {
    h.get("/simple/alpha/");
    h.get("/simple/alpha/");
    var headers = h.upstream.lastHeaders("/simple/alpha/");
    assertThat(headers.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("If-None-Match")))
        .isTrue();
  }

  @Test
  void upstreamErrs_stalePageServed() {
    h.get("/simple/alpha/");
    h.upstream.failWith("/simple/", 500);
    var page = h.get("/simple/alpha/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(Harness.text(page)).contains(wheel.filename());
  }

  @Test
  void upstreamStalls_stalePageServedQuickly() {
    h.get("/simple/alpha/");
    h.upstream.delay("/simple/", Duration.ofSeconds(20));
    long start = System.nanoTime();
    var page = h.get("/simple/alpha/");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(ms).as("stale copy after the 500 ms stale-after deadline").isLessThan(2_500);
  }

  @Test
  void neverCached_upstreamDown_is502Quickly() {
    h.upstream.stop();
    var page = h.get("/simple/alpha/");
    assertThat(page.statusCode()).isEqualTo(502);
  }

  @Test
  void neverCached_upstreamStalls_is504WithinReadTimeout() {
    h.upstream.delay("/simple/", Duration.ofSeconds(30));
    long start = System.nanoTime();
    var page = h.get("/simple/alpha/");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(page.statusCode()).isEqualTo(504);
    assertThat(ms).isLessThan(10_000);
    // explain answers as the page does.
    assertThat(h.get("/-/explain/alpha").statusCode()).isEqualTo(504);
  }

  @Test
  void fileNeverCached_upstreamFails_is502() {
    h.get("/simple/alpha/");
    h.upstream.failWith("/files/", 503);
    assertThat(h.get(fileUrl()).statusCode()).isEqualTo(502);
  }

  @Test
  void offline_servesCacheAndNeverAsksUpstream() {
    h.get("/simple/alpha/");
    h.get(fileUrl());
    Artifact other = WheelBuilder.of("beta", "1.0").build();
    h.upstream.publish(other);
    h.restart(c -> c.withOffline(true));
    int before = h.upstream.requestCount();
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    assertThat(h.get(fileUrl()).body()).isEqualTo(wheel.bytes());
    assertThat(h.get("/simple/beta/").statusCode()).isEqualTo(404);
    assertThat(h.upstream.requestCount()).isEqualTo(before);
  }

  @Test
  void close_letsAResponseInProgressFinish() throws Exception {
    Artifact big = WheelBuilder.large("bigpkg", "1.0", 6 * 1024 * 1024, 11);
    h.upstream.publish(big);
    h.upstream.throttle(big.filename(), 256 * 1024, Duration.ofMillis(40));
    var pending =
        h.http.sendAsync(
            java.net.http.HttpRequest.newBuilder(h.url("/files/bigpkg/" + big.filename())).build(),
            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    // Wait until the response is under way, then shut down.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (h.upstream.requests("/files/" + big.filename()) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(300);
    h.proxy.close();
    var r = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(big.bytes());
  }
}
