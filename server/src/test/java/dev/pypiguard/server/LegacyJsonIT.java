package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: PyPI's legacy JSON API ({@code /pypi/<project>/json}, {@code
 * /pypi/<project>/<version>/json}) from the judged page, with {@code vulnerabilities} from the
 * advisory data.
 */
class LegacyJsonIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  private Harness h;
  private Artifact fresh;

  @BeforeEach
  void start() throws Exception {
    Path osv = Files.createDirectories(dir.resolve("osv"));
    Files.writeString(
        osv.resolve("PYSEC-2099-1.json"),
        """
        {"id": "PYSEC-2099-1", "aliases": ["GHSA-aaaa-bbbb-cccc"], "summary": "remote code execution",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.1"}]}]}],
         "database_specific": {"severity": "LOW"}}
        """);
    Path policy = dir.resolve("policies.yaml");
    // Vulnerable but below min-severity: served, and reported under "vulnerabilities".
    Files.writeString(
        policy,
        "release-age: {minimum: 7d}\nadvisories: {vulnerable: block, min-severity: critical}\n");
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c ->
                c.withPolicyFile(Optional.of(policy))
                    .withAdvisories(List.of(osv.toString()), Duration.ofHours(1)));
    // No upstream metadata: what info shows comes from the wheel once read (issue 16, part 2).
    FileOptions old =
        FileOptions.defaults()
            .withUploadTime(Instant.now().minus(Duration.ofDays(40)))
            .withCoreMetadata(false);
    h.upstream.publish(WheelBuilder.of("alpha", "1.0").requiresPython(">=3.8").build(), old);
    h.upstream.publish(WheelBuilder.of("alpha", "2.0").summary("the alpha package").build(), old);
    fresh = WheelBuilder.of("alpha", "3.0").build();
    h.upstream.publish(
        fresh, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(1))));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<byte[]> r = h.get(path);
    assertThat(r.statusCode()).as(Harness.text(r)).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    return MAPPER.readTree(r.body());
  }

  @Test
  void project_latestAllowedRelease_blockedVersionsAbsent_vulnerabilitiesOfLatest()
      throws Exception {
    JsonNode doc = get("/pypi/alpha/json");

    assertThat(doc.path("info").path("name").asText()).isEqualTo("alpha");
    // 3.0 is held back by the cooldown: not the latest, not a release at all.
    assertThat(doc.path("info").path("version").asText()).isEqualTo("2.0");
    assertThat(doc.path("releases").fieldNames()).toIterable().containsExactly("1.0", "2.0");
    assertThat(doc.path("releases").toString()).doesNotContain(fresh.filename());
    JsonNode url = doc.path("urls").get(0);
    assertThat(url.path("filename").asText()).isEqualTo("alpha-2.0-py3-none-any.whl");
    assertThat(url.path("url").asText())
        .isEqualTo(h.proxy.uri() + "/files/alpha/alpha-2.0-py3-none-any.whl");
    assertThat(url.path("digests").path("sha256").asText()).hasSize(64);
    assertThat(url.path("packagetype").asText()).isEqualTo("bdist_wheel");
    assertThat(url.path("python_version").asText()).isEqualTo("py3");
    assertThat(url.path("yanked").asBoolean()).isFalse();
    JsonNode v = doc.path("vulnerabilities").get(0);
    assertThat(v.path("id").asText()).isEqualTo("PYSEC-2099-1");
    assertThat(v.path("aliases").toString()).contains("GHSA-aaaa-bbbb-cccc");
    assertThat(v.path("fixed_in").toString()).isEqualTo("[\"2.1\"]");
    assertThat(v.path("summary").asText()).isEqualTo("remote code execution");
    assertThat(v.path("link").asText()).isEqualTo("https://osv.dev/vulnerability/PYSEC-2099-1");
  }

  @Test
  void release_servedOrNotFound_andMetadataOnceKnown() throws Exception {
    JsonNode one = get("/pypi/alpha/1.0/json");
    assertThat(one.path("info").path("version").asText()).isEqualTo("1.0");
    assertThat(one.has("releases")).isFalse();
    assertThat(one.path("vulnerabilities")).isEmpty();
    assertThat(one.path("info").path("requires_python").asText()).isEqualTo(">=3.8");

    assertThat(h.get("/pypi/alpha/3.0/json").statusCode()).isEqualTo(404); // blocked
    assertThat(h.get("/pypi/alpha/9.9/json").statusCode()).isEqualTo(404);
    assertThat(h.get("/pypi/nothere/json").statusCode()).isEqualTo(404);
    HttpResponse<byte[]> moved = h.get("/pypi/Alpha/json");
    assertThat(moved.statusCode()).isEqualTo(301);
    assertThat(moved.headers().firstValue("Location")).contains("/pypi/alpha/json");

    // Once the wheel's metadata is known (here generated from the wheel), info shows it.
    assertThat(h.get("/files/alpha/alpha-2.0-py3-none-any.whl.metadata").statusCode())
        .isEqualTo(200);
    JsonNode two = get("/pypi/alpha/2.0/json");
    assertThat(two.path("info").path("summary").asText()).isEqualTo("the alpha package");
    assertThat(two.path("vulnerabilities")).hasSize(1);
  }
}
