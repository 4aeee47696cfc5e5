package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simple API through the proxy: negotiation, redirects, field pass-through, caching headers.
 */
class SimpleApiIT {
  static final String JSON = "application/vnd.pypi.simple.v1+json";
  static final String PIP_ACCEPT =
      "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path cache;
  Harness h;
  Artifact alpha;

  @BeforeEach
  void start() {
    // Serving and protocol fidelity, not policy: alpha's provenance does not verify, which the
    // built-in policy would block.
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive);
    alpha = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").requiresPython(">=3.8").build();
    h.upstream.publish(
        alpha,
        FileOptions.defaults()
            .withUploadTime(Instant.parse("2024-01-02T03:04:05.123456Z"))
            .withYanked("broken build")
            .withProvenance("{\"attestation_bundles\": []}")
            .withExtraJson("x-custom", JsonNodeFactory.instance.textNode("kept")));
    h.upstream.publish(WheelBuilder.of("alpha", "2.0").build());
    h.upstream.extraJson("alpha", "x-top", JsonNodeFactory.instance.objectNode().put("k", 1));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  static JsonNode json(HttpResponse<byte[]> r) throws IOException {
    return MAPPER.readTree(r.body());
  }

  @Test
  void projectPage_pipAccept_servesJsonWithEveryUpstreamField() throws IOException {
    var r = h.get("/simple/alpha/", "Accept", PIP_ACCEPT);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(r.headers().firstValue("Vary").orElse("")).contains("Accept");
    JsonNode page = json(r);
    assertThat(page.path("meta").path("api-version").asText()).isNotEmpty();
    assertThat(page.path("name").asText()).isEqualTo("alpha");
    assertThat(page.path("x-top").path("k").asInt()).isEqualTo(1);
    JsonNode f = null;
    for (JsonNode n : page.path("files")) {
      if (n.path("filename").asText().equals(alpha.filename())) {
        f = n;
      }
    }
    assertThat(f).as("alpha 1.0 wheel on the page").isNotNull();
    assertThat(f.path("url").asText()).startsWith(h.proxy.uri() + "/files/alpha/");
    assertThat(f.path("hashes").path("sha256").asText()).isEqualTo(alpha.sha256());
    assertThat(f.path("requires-python").asText()).isEqualTo(">=3.8");
    assertThat(f.path("yanked").asText()).isEqualTo("broken build");
    assertThat(f.path("size").asLong()).isEqualTo(alpha.size());
    assertThat(f.path("upload-time").asText()).isEqualTo("2024-01-02T03:04:05.123456Z");
    assertThat(f.path("core-metadata").path("sha256").asText()).isEqualTo(alpha.metadataSha256());
    assertThat(f.path("x-custom").asText()).isEqualTo("kept");
    assertThat(f.path("provenance").asText())
        .isEqualTo(h.proxy.uri() + "/integrity/alpha/1.0/" + alpha.filename() + "/provenance");
    assertThat(page.path("versions").toString()).contains("1.0", "2.0");
    assertThat(page.path("_pypi-guard").path("removed").isArray()).isTrue();
  }

  @Test
  void projectPage_noAccept_servesHtmlWithEscapedRequiresPython() {
    var r = h.get("/simple/alpha/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    String html = text(r);
    assertThat(html).contains("data-requires-python=\"&gt;=3.8\"");
    assertThat(html).contains("#sha256=" + alpha.sha256());
    assertThat(html).contains("data-yanked=\"broken build\"");
    assertThat(html).contains("data-core-metadata=\"sha256=" + alpha.metadataSha256() + "\"");
    assertThat(html).contains("data-provenance=\"" + h.proxy.uri() + "/integrity/alpha/");
  }

  @Test
  void projectPage_htmlV1Requested_answersThatType() {
    var r = h.get("/simple/alpha/", "Accept", "application/vnd.pypi.simple.v1+html");
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/vnd.pypi.simple.v1+html");
  }

  @Test
  void projectPage_latestAlias_answersConcreteV1Type() {
    var r = h.get("/simple/alpha/", "Accept", "application/vnd.pypi.simple.latest+json");
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON);
  }

  @Test
  void projectPage_qValuesPreferHtml_answersHtml() {
    var r =
        h.get(
            "/simple/alpha/",
            "Accept",
            "application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.9");
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
  }

  @Test
  void projectPage_formatParameterWithLiteralPlus_overridesAccept() {
    var r =
        h.get("/simple/alpha/?format=application/vnd.pypi.simple.v1+json", "Accept", "text/html");
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON);
  }

  @Test
  void projectPage_nothingAcceptable_is406WithVary() {
    var r = h.get("/simple/alpha/", "Accept", "image/png");
    assertThat(r.statusCode()).isEqualTo(406);
    assertThat(r.headers().firstValue("Vary").orElse("")).contains("Accept");
  }

  @Test
  void projectPage_nonNormalizedName_redirects301ToNormalized() {
    var r = h.get("/simple/Alpha_Beta.x/");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("Location")).hasValue("/simple/alpha-beta-x/");
    var noSlash = h.get("/simple/alpha");
    assertThat(noSlash.statusCode()).isEqualTo(301);
    assertThat(noSlash.headers().firstValue("Location")).hasValue("/simple/alpha/");
  }

  @Test
  void projectPage_unknownProject_is404() {
    assertThat(h.get("/simple/no-such-project/").statusCode()).isEqualTo(404);
  }

  @Test
  void projectPage_revalidatedWithEtag_is304() {
    var first = h.get("/simple/alpha/", "Accept", JSON);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    var second = h.get("/simple/alpha/", "Accept", JSON, "If-None-Match", etag);
    assertThat(second.statusCode()).isEqualTo(304);
    assertThat(second.body()).isEmpty();
  }

  @Test
  void projectPage_gzipAccepted_isCompressed() throws IOException {
    var r = h.get("/simple/alpha/", "Accept", JSON, "Accept-Encoding", "gzip");
    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    byte[] plain = new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
    assertThat(new String(plain, StandardCharsets.UTF_8)).contains("\"alpha\"");
  }

  @Test
  void projectPage_cachedWithinTtl_asksUpstreamOnce() {
    h.get("/simple/alpha/", "Accept", JSON);
    h.get("/simple/alpha/", "Accept", JSON);
    h.get("/simple/alpha/");
    assertThat(h.upstream.requests("/simple/alpha/")).isEqualTo(1);
  }

  @Test
  void projectPage_upstreamAsked_withJsonAccept() {
    h.get("/simple/alpha/");
    assertThat(
            String.join(
                ",",
                h.upstream
                    .lastHeaders("/simple/alpha/")
                    .getOrDefault("Accept", java.util.List.of())))
        .contains("application/vnd.pypi.simple.v1+json");
  }

  @Test
  void projectPage_quarantinedUpstream_offersNoFiles() throws IOException {
    h.upstream.projectStatus("alpha", "quarantined", "malware report");
    var r = h.get("/simple/alpha/", "Accept", JSON);
    JsonNode page = json(r);
    assertThat(page.path("files")).isEmpty();
    assertThat(page.path("project-status").path("status").asText()).isEqualTo("quarantined");
    assertThat(page.path("_pypi-guard").path("removed").toString()).contains("quarantined");
    var file = h.get("/files/alpha/" + alpha.filename());
    assertThat(file.statusCode()).isEqualTo(403);
  }

  @Test
  void projectPage_malformedUpstreamPage_is502() {
    h.upstream.malformedPage("alpha");
    var r = h.get("/simple/alpha/", "Accept", JSON);
    assertThat(r.statusCode()).isEqualTo(502);
  }

  @Test
  void rootIndex_listsProjectsInBothFormats() throws IOException {
    var html = h.get("/simple/");
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(text(html)).contains("href=\"alpha/\"");
    var json = json(h.get("/simple/", "Accept", JSON));
    assertThat(json.path("projects").toString()).contains("\"alpha\"");
  }

  @Test
  void htmlOnlyUpstream_isServedAsJsonToo() throws IOException {
    try (var html =
        Harness.start(TestUpstream.Mode.HTML_ONLY, cache.resolve("h"), Harness::permissive)) {
      html.upstream.publish(
          alpha, FileOptions.defaults().withUploadTime(Instant.parse("2024-01-02T03:04:05Z")));
      JsonNode page = json(html.get("/simple/alpha/", "Accept", JSON));
      assertThat(page.path("files").get(0).path("hashes").path("sha256").asText())
          .isEqualTo(alpha.sha256());
      assertThat(page.path("files").get(0).path("requires-python").asText()).isEqualTo(">=3.8");
      var file = html.get("/files/alpha/" + alpha.filename());
      assertThat(file.statusCode()).isEqualTo(200);
      assertThat(file.body()).isEqualTo(alpha.bytes());
    }
  }

  @Test
  void staticRelativeUpstream_resolvesRelativeLinks() {
    try (var st =
        Harness.start(TestUpstream.Mode.STATIC_RELATIVE, cache.resolve("s"), Harness::permissive)) {
      st.upstream.publish(alpha);
      var file = st.get("/files/alpha/" + alpha.filename());
      assertThat(file.statusCode()).isEqualTo(200);
      assertThat(file.body()).isEqualTo(alpha.bytes());
    }
  }

  @Test
  void baseUrl_configured_isUsedInEveryLink() throws IOException {
    h.restart(
        c -> c.withBaseUrl(java.util.Optional.of(java.net.URI.create("https://pypi.example.com"))));
    JsonNode page = json(h.get("/simple/alpha/", "Accept", JSON));
    for (JsonNode f : page.path("files")) {
      assertThat(f.path("url").asText()).startsWith("https://pypi.example.com/files/alpha/");
    }
    assertThat(Harness.text(h.get("/simple/alpha/")))
        .contains("href=\"https://pypi.example.com/files/alpha/");
  }

  @Test
  void healthz_isOk() {
    var r = h.get("/healthz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(text(r).lines().findFirst()).hasValue("ok");
    // Without --advisories the bundled malicious-packages snapshot answers, with its date (issue
    // 18).
    assertThat(text(r))
        .contains(
            "advisory source bundled OpenSSF malicious-packages snapshot: 10 records"
                + " (10 malicious), as of 2026-09-04");
  }

  @Test
  void metrics_countRequestsAndCache() {
    h.get("/simple/alpha/");
    h.get("/files/alpha/" + alpha.filename());
    h.awaitKept(alpha.sha256());
    h.get("/files/alpha/" + alpha.filename());
    String m = text(h.get("/metrics"));
    assertThat(m).contains("pypiguard_requests_seconds_count{route=\"project\",status=\"200\"}");
    assertThat(m).contains("pypiguard_cache_requests_total{kind=\"file\",result=\"hit\"}");
    assertThat(m).contains("pypiguard_cache_requests_total{kind=\"file\",result=\"miss\"}");
    assertThat(m).contains("pypiguard_bytes_served_bytes_total");
    assertThat(m).contains("pypiguard_upstream_requests_seconds");
    assertThat(m).contains("pypiguard_downloads_in_flight");
  }
}
