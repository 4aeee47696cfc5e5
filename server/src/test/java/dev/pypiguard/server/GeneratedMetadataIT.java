package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, "core metadata for every wheel": an upstream that gives no PEP 658 metadata still gets
 * it served, read from the wheel by HTTP range requests (or from the whole wheel when ranges are
 * refused), advertised with its sha256 in both formats, and checked against the wheel once the
 * wheel is stored.
 */
class GeneratedMetadataIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_V1 = "application/vnd.pypi.simple.v1+json";

  @TempDir Path cache;

  private static JsonNode page(Harness h, String project) throws Exception {
    HttpResponse<byte[]> r = h.get("/simple/" + project + "/", "Accept", JSON_V1);
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static Artifact publishWithoutMetadata(Harness h, Artifact a) {
    h.upstream.publish(a, FileOptions.defaults().withCoreMetadata(false));
    return a;
  }

  @Test
  void wheelWithoutUpstreamMetadata_readByRanges_thenAdvertisedWithItsHash() throws Exception {
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive)) {
      h.upstream.serveRanges(true);
      Artifact wheel = publishWithoutMetadata(h, WheelBuilder.large("alpha", "1.0", 300_000, 7));
      String filePath = "/files/" + wheel.filename();

      JsonNode before = page(h, "alpha").get("files").get(0);
      HttpResponse<byte[]> meta = h.get("/files/alpha/" + wheel.filename() + ".metadata");
      JsonNode after = page(h, "alpha").get("files").get(0);
      String html = Harness.text(h.get("/simple/alpha/", "Accept", "text/html"));

      // Advertised as existing before it is read (PEP 658 "true"), with its hash after.
      assertThat(before.get("core-metadata").asBoolean()).isTrue();
      assertThat(meta.statusCode()).isEqualTo(200);
      assertThat(meta.body()).isEqualTo(wheel.metadata());
      String sha = Sha256.of(wheel.metadata()).hex();
      assertThat(after.get("core-metadata").get("sha256").asText()).isEqualTo(sha);
      assertThat(html)
          .contains("data-core-metadata=\"sha256=" + sha + "\"")
          .contains("data-dist-info-metadata=\"sha256=" + sha + "\"");
      // Only ranges were asked for: the 300 kB wheel itself was not downloaded.
      assertThat(h.upstream.rangeRequests(filePath)).isBetween(1, 3);
      assertThat(h.upstream.requests(filePath)).isEqualTo(h.upstream.rangeRequests(filePath));

      // Once the wheel is stored, the range answer is checked and stays.
      assertThat(h.get("/files/alpha/" + wheel.filename()).body()).isEqualTo(wheel.bytes());
      h.restart();
      assertThat(h.get("/files/alpha/" + wheel.filename() + ".metadata").body())
          .isEqualTo(wheel.metadata());
      assertThat(page(h, "alpha").get("files").get(0).get("core-metadata").get("sha256").asText())
          .isEqualTo(sha);
    }
  }

  @Test
  void rangesRefused_wholeWheelDownloadedOnce_metadataServed() throws Exception {
    try (Harness h = Harness.start(TestUpstream.Mode.HTML_ONLY, cache, Harness::permissive)) {
      Artifact wheel =
          publishWithoutMetadata(h, WheelBuilder.of("beta", "2.0").requires("gamma").build());

      HttpResponse<byte[]> meta = h.get("/files/beta/" + wheel.filename() + ".metadata");
      HttpResponse<byte[]> again = h.get("/files/beta/" + wheel.filename() + ".metadata");

      assertThat(meta.statusCode()).isEqualTo(200);
      assertThat(new String(meta.body(), StandardCharsets.UTF_8)).contains("Requires-Dist: gamma");
      assertThat(again.body()).isEqualTo(meta.body());
      // One range try (answered 200 and dropped), one whole download into the store.
      assertThat(h.upstream.requests("/files/" + wheel.filename())).isEqualTo(2);
      assertThat(h.get("/files/beta/" + wheel.filename()).body()).isEqualTo(wheel.bytes());
      assertThat(h.upstream.requests("/files/" + wheel.filename())).isEqualTo(2);
    }
  }

  @Test
  void rangesLie_storedWheelDisagrees_rangeMetadataDroppedAndSaidSo() throws Exception {
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive)) {
      h.upstream.serveRanges(true);
      Artifact wheel =
          publishWithoutMetadata(h, WheelBuilder.of("delta", "1.0").requires("safe").build());
      Artifact impostor = WheelBuilder.of("delta", "1.0").requires("evil").build();
      h.upstream.rangeBody(wheel.filename(), impostor.bytes());

      HttpResponse<byte[]> lied = h.get("/files/delta/" + wheel.filename() + ".metadata");
      assertThat(new String(lied.body(), StandardCharsets.UTF_8)).contains("Requires-Dist: evil");

      PrintStream saved = System.err;
      var captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      String real = Sha256.of(wheel.metadata()).hex();
      try {
        assertThat(h.get("/files/delta/" + wheel.filename()).body()).isEqualTo(wheel.bytes());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!page(h, "delta")
                .get("files")
                .get(0)
                .get("core-metadata")
                .path("sha256")
                .asText()
                .equals(real)
            && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      } finally {
        System.setErr(saved);
      }
      assertThat(page(h, "delta").get("files").get(0).get("core-metadata").get("sha256").asText())
          .isEqualTo(real);
      assertThat(h.get("/files/delta/" + wheel.filename() + ".metadata").body())
          .isEqualTo(wheel.metadata());
      assertThat(captured.toString(StandardCharsets.UTF_8))
          .contains("core metadata of " + wheel.filename() + " read by ranges does not match");
    }
  }

  @Test
  void upstreamAdvertisesMetadataThen404_wheelsOwnServed() throws Exception {
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive)) {
      h.upstream.serveRanges(true);
      Artifact wheel = WheelBuilder.of("eps", "1.0").build();
      h.upstream.publish(wheel);
      h.upstream.failWith("/files/" + wheel.filename() + ".metadata", 404);

      HttpResponse<byte[]> meta = h.get("/files/eps/" + wheel.filename() + ".metadata");

      assertThat(meta.statusCode()).as(Harness.text(meta)).isEqualTo(200);
      assertThat(meta.body()).isEqualTo(wheel.metadata());
    }
  }

  @Test
  void pip_staticMirrorWithoutMetadata_resolvesFromGeneratedMetadata() {
    PythonEnv.assumePython3();
    try (Harness h = Harness.start(TestUpstream.Mode.STATIC_RELATIVE, cache, Harness::permissive)) {
      h.upstream.serveRanges(true);
      publishWithoutMetadata(h, WheelBuilder.of("alpha", "1.0").requires("beta").build());
      publishWithoutMetadata(h, WheelBuilder.of("beta", "3.1").build());
      List<PythonEnv> pips = new java.util.ArrayList<>(List.of(PythonEnv.shared()));
      if (Files.isRegularFile(PipVersionsIT.PIP_26)) {
        pips.add(PythonEnv.withPipWheel("pip26-venv", PipVersionsIT.PIP_26));
      } else {
        Assumptions.assumeTrue(System.getenv("CI") == null, "no pip 26.2.1 wheel");
      }
      for (PythonEnv py : pips) {
        PipResult r = py.install(h.index(), List.of("--only-binary", ":all:", "alpha"));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "3.1"));
      }
    }
  }
}
