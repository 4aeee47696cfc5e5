package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.RawHttpClient;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: pipelined HTTP/1.1 requests get their answers in request order, each its own (one
 * request used to receive another's wheel under 200), whether slow or fast, cold or cached.
 */
class PipeliningIT {
  @TempDir Path cache;
  Harness h;
  Artifact alpha;
  Artifact beta;

  @BeforeEach
  void start() {
    h = Harness.start(cache);
    alpha = WheelBuilder.of("alpha", "1.0").build();
    beta = WheelBuilder.of("beta", "2.0").build();
    h.upstream.publishAll(alpha, beta);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void pipelinedMix_answeredInRequestOrder_eachWithItsOwnBody() throws Exception {
    // beta's file is slow, everything after it fast: it must still come back in its place.
    h.upstream.delay("/files/" + beta.filename(), Duration.ofMillis(800));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(20))) {
      String json = "Accept: application/vnd.pypi.simple.v1+json";
      c.send(
          c.get("/files/beta/" + beta.filename())
              + c.get("/simple/alpha/", json)
              + c.get("/simple/no-such-project/")
              + c.get("/healthz")
              + c.get("/files/alpha/" + alpha.filename())
              + c.get("/files/alpha/nope-1.0-py3-none-any.whl")
              + c.get("/files/beta/" + beta.filename())
              + c.get("/healthz"));
      var r = c.readAll(8);
      assertThat(r).hasSize(8);
      assertThat(r).allMatch(RawHttpClient.Response::complete);
      assertThat(r.get(0).status()).isEqualTo(200);
      assertThat(r.get(0).body()).isEqualTo(beta.bytes());
      assertThat(r.get(1).status()).isEqualTo(200);
      assertThat(r.get(1).text()).contains(alpha.filename()).doesNotContain(beta.filename());
      assertThat(r.get(2).status()).isEqualTo(404);
      assertThat(r.get(3).status()).isEqualTo(200);
      assertThat(r.get(3).text()).startsWith("ok");
      assertThat(r.get(4).status()).isEqualTo(200);
      assertThat(r.get(4).body()).isEqualTo(alpha.bytes());
      assertThat(r.get(5).status()).isEqualTo(404);
      assertThat(r.get(6).body()).isEqualTo(beta.bytes());
      assertThat(r.get(7).text()).startsWith("ok");
    }
  }

  @Test
  void pipelinedCachedFiles_twoDifferentWheels_neverSwapped() throws Exception {
    h.get("/files/alpha/" + alpha.filename());
    h.get("/files/beta/" + beta.filename());
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(20))) {
      var sb = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        sb.append(
            c.get(
                "/files/"
                    + (i % 2 == 0 ? "alpha/" + alpha.filename() : "beta/" + beta.filename())));
      }
      c.send(sb.toString());
      var r = c.readAll(10);
      assertThat(r).hasSize(10);
      for (int i = 0; i < 10; i++) {
        assertThat(r.get(i).body())
            .as("response %d", i)
            .isEqualTo(i % 2 == 0 ? alpha.bytes() : beta.bytes());
      }
    }
  }

  @Test
  void pipelinedAfterConnectionClose_laterRequestsAreNotAnswered() throws Exception {
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      c.send(c.get("/healthz", "Connection: close") + c.get("/simple/alpha/"));
      var r = c.readAll(2);
      assertThat(r).hasSize(1);
      assertThat(r.get(0).text()).startsWith("ok");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void twoHundredPipelined_allAnsweredInOrder() throws Exception {
    h.upstream.delay("/files/" + beta.filename(), Duration.ofMillis(300));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(20))) {
      var sb = new StringBuilder(c.get("/files/beta/" + beta.filename()));
      for (int i = 0; i < 200; i++) {
        sb.append(c.get(i % 3 == 0 ? "/simple/no-such-" + i + "/" : "/healthz"));
      }
      c.send(sb.toString());
      var r = c.readAll(201);
      assertThat(r).hasSize(201);
      assertThat(r.get(0).body()).isEqualTo(beta.bytes());
      for (int i = 0; i < 200; i++) {
        assertThat(r.get(i + 1).status())
            .as("response %d", i + 1)
            .isEqualTo(i % 3 == 0 ? 404 : 200);
      }
    }
    assertThat(Harness.text(h.get("/healthz"))).startsWith("ok");
  }
}
