package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cached-page fast path (issue 15, README "Speed"): a page answered from its cached rendering
 * on the event loop is the same answer, byte for byte and header for header, as the rendering
 * that the ordinary path sent first, and it follows a policy change and the audit log as before.
 */
class CachedPageRepliesTest {
  static final String JSON = "application/vnd.pypi.simple.v1+json";
  static final List<String> HEADERS = List.of("content-type", "content-encoding", "content-length", "etag",
      "vary", "cache-control", "server");

  @TempDir Path dir;
  Path policy;
  Harness h;
  Artifact old;
  Artifact fresh;

  @BeforeEach
  void start() throws Exception {
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "release-age:\n  minimum: 7d\n");
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, dir.resolve("cache"),
        c -> c.withPolicyFile(java.util.Optional.of(policy)));
    old = WheelBuilder.of("alpha", "1.0").build();
    fresh = WheelBuilder.of("alpha", "2.0").build();
    h.upstream.publish(old, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));
    h.upstream.publish(fresh, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(2))));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void hit_isTheRenderingsAnswer_inEveryFormatAndCoding() throws Exception {
    for (String[] headers : List.of(new String[] {"Accept", JSON}, new String[] {"Accept", "text/html"},
        new String[] {"Accept", JSON, "Accept-Encoding", "gzip"}, new String[] {"Accept-Encoding", "gzip;q=1, br"})) {
      HttpResponse<byte[]> first = h.get("/simple/alpha/", headers);
      assertThat(first.statusCode()).isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        HttpResponse<byte[]> hit = h.get("/simple/alpha/", headers);
        assertThat(hit.statusCode()).isEqualTo(200);
        assertThat(hit.body()).isEqualTo(first.body());
        for (String name : HEADERS) {
          assertThat(hit.headers().allValues(name)).as(name + " of " + String.join(" ", headers))
              .isEqualTo(first.headers().allValues(name));
        }
      }
      boolean gzip = String.join(" ", headers).contains("gzip");
      assertThat(first.headers().firstValue("content-encoding")).isEqualTo(gzip ? java.util.Optional.of("gzip")
          : java.util.Optional.empty());
      String body = new String(gzip ? gunzip(first.body()) : first.body(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(body).contains("/files/alpha/" + old.filename()).doesNotContain("/files/alpha/" + fresh.filename());
    }
  }

  @Test
  void afterHits_conditionalAndHeadRequestsAreStillAnswered() {
    HttpResponse<byte[]> first = h.get("/simple/alpha/", "Accept", JSON);
    h.get("/simple/alpha/", "Accept", JSON);
    String etag = first.headers().firstValue("etag").orElseThrow();
    assertThat(h.get("/simple/alpha/", "Accept", JSON, "If-None-Match", etag).statusCode()).isEqualTo(304);
    HttpResponse<byte[]> head = h.send("HEAD", "/simple/alpha/", "Accept", JSON);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("etag")).contains(etag);
  }

  @Test
  void afterHits_aChangedPolicyIsANewRendering() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(Harness.text(h.get("/simple/alpha/", "Accept", JSON))).contains(old.filename());
    }
    Files.writeString(policy, "versions:\n  deny:\n    alpha: \"<2\"\n");
    assertThat(h.proxy.policy().reloadIfChanged()).isTrue();
    for (int i = 0; i < 2; i++) {
      String page = Harness.text(h.get("/simple/alpha/", "Accept", JSON));
      assertThat(page).contains("/files/alpha/" + fresh.filename()).doesNotContain("/files/alpha/" + old.filename());
    }
  }

  @Test
  void everyHit_isInTheAuditLog() throws Exception {
    for (int i = 0; i < 4; i++) {
      assertThat(h.get("/simple/alpha/", "Accept", JSON).statusCode()).isEqualTo(200);
    }
    Path audit = h.cacheDir.resolve("audit.log");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long lines = 0;
    while (System.nanoTime() < deadline) {
      lines = Files.exists(audit) ? Files.readAllLines(audit).stream().filter(l -> l.contains(fresh.filename())).count() : 0;
      if (lines >= 4) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(lines).isEqualTo(4);
  }

  private static byte[] gunzip(byte[] body) throws Exception {
    try (var in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }
}
