package dev.pypiguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TestUpstreamTest {

  /** What pip 23.2.1 sends. */
  static final String PIP_ACCEPT =
      "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final ObjectMapper json = new ObjectMapper();
  private TestUpstream up;
  private Artifact alpha;
  private Artifact beta1;

  @BeforeEach
  void setUp() {
    up = TestUpstream.start();
    alpha = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").requiresPython(">=3.8").build();
    beta1 = WheelBuilder.of("beta", "1.0").build();
    up.publish(
        alpha, FileOptions.defaults().withUploadTime(Instant.parse("2024-01-02T03:04:05.123456Z")));
    up.publish(
        beta1,
        FileOptions.defaults().withYanked("broken build").withProvenance("{\"version\": 1}"));
  }

  @AfterEach
  void tearDown() {
    up.close();
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(up.baseUri().resolve(path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void projectPage_pipAcceptHeader_servesPep691JsonWithAllFields() throws Exception {
    HttpResponse<byte[]> r = get("/simple/alpha/", "Accept", PIP_ACCEPT);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains(TestUpstream.JSON_V1);
    assertThat(r.headers().firstValue("Vary")).contains("Accept");
    JsonNode page = json.readTree(r.body());
    assertThat(page.at("/meta/api-version").asText()).isEqualTo("1.1");
    assertThat(page.at("/name").asText()).isEqualTo("alpha");
    assertThat(page.at("/versions/0").asText()).isEqualTo("1.0");
    JsonNode f = page.at("/files/0");
    assertThat(f.at("/filename").asText()).isEqualTo("alpha-1.0-py3-none-any.whl");
    assertThat(f.at("/url").asText()).isEqualTo(up.fileUri(alpha.filename()).toString());
    assertThat(f.at("/hashes/sha256").asText()).isEqualTo(alpha.sha256());
    assertThat(f.at("/requires-python").asText()).isEqualTo(">=3.8");
    assertThat(f.at("/yanked").asBoolean(true)).isFalse();
    assertThat(f.at("/size").asLong()).isEqualTo(alpha.size());
    assertThat(f.at("/upload-time").asText()).isEqualTo("2024-01-02T03:04:05.123456Z");
    assertThat(f.at("/core-metadata/sha256").asText()).isEqualTo(alpha.metadataSha256());
    assertThat(f.at("/dist-info-metadata/sha256").asText()).isEqualTo(alpha.metadataSha256());
    assertThat(f.at("/provenance").isNull()).isTrue();
  }

  @Test
  void projectPage_yankedWithProvenance_jsonHasReasonAndServedProvenanceUrl() throws Exception {
    JsonNode f =
        json.readTree(get("/simple/beta/", "Accept", TestUpstream.JSON_V1).body()).at("/files/0");

    assertThat(f.at("/yanked").asText()).isEqualTo("broken build");
    String provenance = f.at("/provenance").asText();
    assertThat(provenance).endsWith("/integrity/beta/1.0/beta-1.0-py3-none-any.whl/provenance");
    HttpResponse<byte[]> p =
        http.send(
            HttpRequest.newBuilder(URI.create(provenance)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(p.statusCode()).isEqualTo(200);
    assertThat(text(p)).isEqualTo("{\"version\": 1}");
  }

  @Test
  void projectPage_noOrHtmlAccept_servesPep503HtmlWithDataAttributes() throws Exception {
    HttpResponse<byte[]> plain = get("/simple/alpha/");
    HttpResponse<byte[]> v1 = get("/simple/beta/", "Accept", TestUpstream.HTML_V1);

    assertThat(plain.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(v1.headers().firstValue("Content-Type")).contains(TestUpstream.HTML_V1);
    assertThat(text(plain))
        .contains("<meta name=\"pypi:repository-version\" content=\"1.1\">")
        .contains("href=\"" + up.fileUri(alpha.filename()) + "#sha256=" + alpha.sha256() + "\"")
        .contains("data-requires-python=\"&gt;=3.8\"")
        .contains("data-core-metadata=\"sha256=" + alpha.metadataSha256() + "\"")
        .contains("data-dist-info-metadata=\"sha256=" + alpha.metadataSha256() + "\"")
        .doesNotContain("data-yanked");
    assertThat(text(v1))
        .contains("data-yanked=\"broken build\"", "data-provenance=\"http://127.0.0.1:");
  }

  @Test
  void index_jsonAndHtml_listsProjects() throws Exception {
    JsonNode index = json.readTree(get("/simple/", "Accept", TestUpstream.JSON_V1).body());

    assertThat(index.at("/projects").findValuesAsText("name")).containsExactly("alpha", "beta");
    assertThat(text(get("/simple/"))).contains("<a href=\"/simple/alpha/\">alpha</a>");
  }

  @Test
  void htmlOnlyMode_jsonAccept_stillServesTextHtml() throws Exception {
    up.mode(TestUpstream.Mode.HTML_ONLY);

    HttpResponse<byte[]> r = get("/simple/alpha/", "Accept", PIP_ACCEPT);

    assertThat(r.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
    assertThat(text(r))
        .contains(
            "href=\"http://127.0.0.1:" + up.port() + "/files/alpha-1.0-py3-none-any.whl#sha256=");
  }

  @Test
  void staticRelativeMode_page_usesRelativeLinksAndNoRedirect() throws Exception {
    up.mode(TestUpstream.Mode.STATIC_RELATIVE);

    assertThat(text(get("/simple/alpha/", "Accept", PIP_ACCEPT)))
        .contains("href=\"../../files/alpha-1.0-py3-none-any.whl#sha256=" + alpha.sha256() + "\"");
    assertThat(text(get("/simple/"))).contains("<a href=\"alpha/\">alpha</a>");
    assertThat(get("/simple/ALPHA/").statusCode()).isEqualTo(404);
    assertThat(get("/files/alpha-1.0-py3-none-any.whl").body()).isEqualTo(alpha.bytes());
  }

  @Test
  void projectPage_nonNormalizedOrUnknownName_redirects301Or404() throws Exception {
    up.publish(WheelBuilder.of("My_Pkg", "1.0").build());

    HttpResponse<byte[]> moved = get("/simple/My_Pkg/");
    HttpResponse<byte[]> noSlash = get("/simple/my-pkg");

    assertThat(moved.statusCode()).isEqualTo(301);
    assertThat(moved.headers().firstValue("Location")).contains(up.baseUri() + "simple/my-pkg/");
    assertThat(noSlash.statusCode()).isEqualTo(301);
    assertThat(get("/simple/my-pkg/").statusCode()).isEqualTo(200);
    assertThat(get("/simple/nope/").statusCode()).isEqualTo(404);
    assertThat(get("/files/nope-1.0-py3-none-any.whl").statusCode()).isEqualTo(404);
  }

  @Test
  void etag_ifNoneMatchOnPageAndFile_answers304WithoutBody() throws Exception {
    HttpResponse<byte[]> page = get("/simple/alpha/", "Accept", TestUpstream.JSON_V1);
    HttpResponse<byte[]> file = get("/files/" + alpha.filename());
    String pageTag = page.headers().firstValue("ETag").orElseThrow();
    String fileTag = file.headers().firstValue("ETag").orElseThrow();

    HttpResponse<byte[]> page304 =
        get("/simple/alpha/", "Accept", TestUpstream.JSON_V1, "If-None-Match", pageTag);
    HttpResponse<byte[]> file304 = get("/files/" + alpha.filename(), "If-None-Match", fileTag);
    HttpResponse<byte[]> htmlVariant = get("/simple/alpha/", "If-None-Match", pageTag);

    assertThat(page304.statusCode()).isEqualTo(304);
    assertThat(page304.body()).isEmpty();
    assertThat(file304.statusCode()).isEqualTo(304);
    assertThat(htmlVariant.statusCode()).as("HTML has its own ETag").isEqualTo(200);
  }

  @Test
  void head_file_answersLengthWithoutBody() throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(up.fileUri(alpha.filename()))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(alpha.size());
    assertThat(r.body()).isEmpty();
  }

  @Test
  void metadataFile_advertised_servesCoreMetadataMatchingItsHash() throws Exception {
    HttpResponse<byte[]> r = get("/files/" + alpha.filename() + ".metadata");
    up.publish(
        WheelBuilder.of("gamma", "1.0").build(), FileOptions.defaults().withCoreMetadata(false));

    assertThat(r.body()).isEqualTo(alpha.metadata());
    assertThat(Digests.sha256Hex(r.body())).isEqualTo(alpha.metadataSha256());
    assertThat(get("/files/gamma-1.0-py3-none-any.whl.metadata").statusCode()).isEqualTo(404);
    assertThat(text(get("/simple/gamma/"))).doesNotContain("data-core-metadata");
  }

  @Test
  void projectStatusAndExtras_jsonAndHtml_passThroughUnknownKeys() throws Exception {
    up.projectStatus("alpha", "quarantined", "malware <suspected>");
    up.extraJson("alpha", "x-future", new TextNode("kept"));
    up.publish(
        WheelBuilder.of("alpha", "2.0").build(),
        FileOptions.defaults().withExtraJson("x-file", new TextNode("f")));

    JsonNode page = json.readTree(get("/simple/alpha/", "Accept", TestUpstream.JSON_V1).body());

    assertThat(page.at("/meta/api-version").asText()).isEqualTo("1.4");
    assertThat(page.at("/project-status/status").asText()).isEqualTo("quarantined");
    assertThat(page.at("/project-status/reason").asText()).isEqualTo("malware <suspected>");
    assertThat(page.at("/x-future").asText()).isEqualTo("kept");
    assertThat(page.at("/files/1/x-file").asText()).isEqualTo("f");
    assertThat(page.at("/versions").toString()).isEqualTo("[\"1.0\",\"2.0\"]");
    assertThat(text(get("/simple/alpha/")))
        .contains("<meta name=\"pypi:project-status\" content=\"quarantined\">")
        .contains(
            "<meta name=\"pypi:project-status-reason\" content=\"malware &lt;suspected&gt;\">")
        .contains("<meta name=\"pypi:repository-version\" content=\"1.4\">");
  }

  @Test
  void hashOverride_page_declaresTheWrongHash() throws Exception {
    up.publish(
        WheelBuilder.of("gamma", "1.0").build(),
        FileOptions.defaults().withHashOverride("00".repeat(32)));

    assertThat(text(get("/simple/gamma/"))).contains("#sha256=" + "00".repeat(32));
  }

  @Test
  void corrupt_file_sameLengthDifferentHash() throws Exception {
    up.corrupt(alpha.filename());

    byte[] served = get("/files/" + alpha.filename()).body();

    assertThat(served).hasSize(alpha.size());
    assertThat(Digests.sha256Hex(served)).isNotEqualTo(alpha.sha256());
    up.resetKnobs();
    assertThat(get("/files/" + alpha.filename()).body()).isEqualTo(alpha.bytes());
  }

  @Test
  void truncate_file_declaresFullLengthSendsFewerBytesAndCloses() throws Exception {
    up.truncate(alpha.filename(), 100);

    try (Socket s = new Socket("127.0.0.1", up.port())) {
      s.getOutputStream()
          .write(
              ("GET /files/" + alpha.filename() + " HTTP/1.1\r\nHost: x\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] all = s.getInputStream().readAllBytes(); // returns only because the server closes
      String raw = new String(all, StandardCharsets.ISO_8859_1);
      int split = raw.indexOf("\r\n\r\n");
      assertThat(raw.substring(0, split)).containsIgnoringCase("Content-Length: " + alpha.size());
      assertThat(all.length - split - 4).isEqualTo(100);
    }
    assertThatThrownBy(() -> get("/files/" + alpha.filename())).isInstanceOf(IOException.class);
  }

  @Test
  void failWith_prefix_answersThatStatus() throws Exception {
    up.failWith("/files/", 503);

    assertThat(get("/files/" + alpha.filename()).statusCode()).isEqualTo(503);
    assertThat(get("/simple/alpha/").statusCode()).isEqualTo(200);
  }

  @Test
  void malformedPage_project_servesBrokenJsonWithJsonContentType() throws Exception {
    up.malformedPage("alpha");

    HttpResponse<byte[]> r = get("/simple/alpha/", "Accept", PIP_ACCEPT);

    assertThat(r.headers().firstValue("Content-Type")).contains(TestUpstream.JSON_V1);
    assertThatThrownBy(() -> json.readTree(r.body())).isInstanceOf(JsonProcessingException.class);
  }

  @Test
  void delay_prefix_holdsTheAnswer() throws Exception {
    up.delay("/simple/", Duration.ofMillis(300));

    long start = System.nanoTime();
    get("/simple/alpha/");

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void throttle_file_firstBytesArriveLongBeforeTheEnd() throws Exception {
    Artifact blob = Artifact.randomBlob("blob-1.0.tar.gz", 1000, 7);
    up.publish(blob);
    up.throttle(blob.filename(), 100, Duration.ofMillis(100));

    long start = System.nanoTime();
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(up.fileUri(blob.filename())).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      byte[] first = in.readNBytes(100);
      long firstAt = System.nanoTime() - start;
      byte[] rest = in.readAllBytes();
      long endAt = System.nanoTime() - start;

      assertThat(Duration.ofNanos(firstAt)).isLessThan(Duration.ofMillis(500));
      assertThat(Duration.ofNanos(endAt)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
      byte[] all = Arrays.copyOf(first, 1000);
      System.arraycopy(rest, 0, all, 100, rest.length);
      assertThat(all).isEqualTo(blob.bytes());
    }
  }

  @Test
  void observation_requests_countsPathsAndKeepsLastHeaders() throws Exception {
    up.clearRequests();
    get("/simple/alpha/", "Accept", "text/html", "X-Probe", "1");
    get("/simple/alpha/", "Accept", PIP_ACCEPT, "X-Probe", "2");
    get("/files/" + alpha.filename());

    assertThat(up.requests("/simple/alpha/")).isEqualTo(2);
    assertThat(up.requestCount()).isEqualTo(3);
    assertThat(up.lastHeaders("/simple/alpha/").get("x-probe")).containsExactly("2");
    assertThat(up.lastHeaders("/simple/alpha/").get("Accept")).containsExactly(PIP_ACCEPT);
    assertThat(up.requestPaths())
        .containsExactly("/simple/alpha/", "/simple/alpha/", "/files/" + alpha.filename());
  }

  @Test
  void stop_afterwards_connectionsAreRefused() {
    URI index = up.uri();
    up.stop();

    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(index).build(), HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(ConnectException.class);
  }
}
