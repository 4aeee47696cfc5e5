package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.config.TrustedProxies;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16, "wrong on the wire": recorded-like pages of every simple-API version (1.0 to 1.4, and a
 * 2.0) re-served in both formats and compared field by field; PEP 714 names, PEP 629/700 versions,
 * PEP 708 keys, the Integrity API's version check, ETags per coding, 304s, the access log's
 * completeness and trusted forwarded headers.
 */
class ProtocolFidelityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_V1 = "application/vnd.pypi.simple.v1+json";

  @TempDir Path cache;
  private RecordedUpstream recorded;
  private ProxyServer proxy;

  @BeforeEach
  void start() throws IOException {
    recorded = new RecordedUpstream();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    recorded.close();
  }

  private ProxyServer proxy(java.util.function.UnaryOperator<ServerConfig> tweak)
      throws IOException {
    proxy =
        ProxyServer.start(
            tweak.apply(
                Harness.permissive(ServerConfig.defaults(recorded.uri(), cache).withPort(0))));
    return proxy;
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws IOException {
    var b =
        java.net.http.HttpRequest.newBuilder(URI.create(proxy.uri() + path))
            .timeout(java.time.Duration.ofSeconds(20));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1)
          .build()
          .send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private JsonNode json(String project) throws IOException {
    HttpResponse<byte[]> r = get("/simple/" + project + "/", "Accept", JSON_V1);
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private Document html(String project) throws IOException {
    HttpResponse<byte[]> r = get("/simple/" + project + "/", "Accept", "text/html");
    assertThat(r.statusCode()).isEqualTo(200);
    return Jsoup.parse(new String(r.body(), StandardCharsets.UTF_8));
  }

  // ---- recorded pages, field by field -----------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sampleproject-1.1.json",
        "holygrail-1.2.json",
        "attested-1.3.json",
        "archived-1.4.json",
        "future-2.0.json"
      })
  void recordedJsonPage_reservedAsJson_keepsEveryFieldAndOnlyNewNames(String resource)
      throws IOException {
    String project = resource.substring(0, resource.indexOf('-'));
    recorded.serve(project, resource);
    proxy(c -> c);
    JsonNode upstream = JSON.readTree(recorded.body(resource));

    JsonNode out = json(project);

    assertThat(out.get("name").asText()).isEqualTo(upstream.get("name").asText());
    assertThat(out.get("versions")).isEqualTo(upstream.get("versions"));
    for (String key : List.of("project-status", "tracks", "alternate-locations")) {
      assertThat(out.get(key)).as(key).isEqualTo(upstream.get(key));
    }
    upstream
        .get("meta")
        .properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("api-version")) {
                assertThat(out.get("meta").get(e.getKey()))
                    .as("meta." + e.getKey())
                    .isEqualTo(e.getValue());
              }
            });
    // Every file has a size here, and versions are given: the proxy implements 1.4 in full,
    // whatever the upstream claimed (2.0 included).
    assertThat(out.get("meta").get("api-version").asText()).isEqualTo("1.4");
    assertThat(out.get("files")).hasSize(upstream.get("files").size());
    for (int i = 0; i < upstream.get("files").size(); i++) {
      JsonNode u = upstream.get("files").get(i);
      JsonNode f = out.get("files").get(i);
      String where = u.get("filename").asText();
      for (String key : List.of("filename", "hashes", "size", "upload-time", "yanked")) {
        assertThat(f.get(key)).as(where + " " + key).isEqualTo(u.get(key));
      }
      assertThat(textOrNull(f.get("requires-python")))
          .as(where)
          .isEqualTo(textOrNull(u.get("requires-python")));
      assertThat(f.get("url").asText()).startsWith(proxy.uri() + "/files/" + project + "/");
      assertThat(metadataOf(f))
          .as(where + " metadata")
          .isEqualTo(expectedMetadata(where, metadataOf(u)));
      // PEP 714: never the legacy JSON keys (pip 23.0 crashes on a hash object under the old one).
      assertThat(f.has("dist-info-metadata")).as(where).isFalse();
      assertThat(f.has("data-dist-info-metadata")).as(where).isFalse();
      boolean attested = u.hasNonNull("provenance");
      assertThat(f.hasNonNull("provenance")).as(where).isEqualTo(attested);
      if (attested) {
        assertThat(f.get("provenance").asText())
            .startsWith(proxy.uri() + "/integrity/" + project + "/");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sampleproject-1.1.json",
        "holygrail-1.2.json",
        "holygrail-1.2.html",
        "attested-1.3.json",
        "archived-1.4.json",
        "sampleproject-1.0.html"
      })
  void recordedPage_reservedAsHtml_keepsWhatHtmlCarries(String resource) throws IOException {
    String project = resource.substring(0, resource.indexOf('-'));
    recorded.serve(project, resource);
    proxy(c -> c);
    List<String[]> files =
        resource.endsWith(".json") ? filesOfJson(resource) : filesOfHtml(resource);

    Document doc = html(project);

    assertThat(doc.select("meta[name=pypi:repository-version]").attr("content")).isEqualTo("1.4");
    List<Element> anchors = doc.select("a[href]");
    assertThat(anchors).hasSize(files.size());
    for (int i = 0; i < files.size(); i++) {
      String[] u = files.get(i); // filename, sha256, requires-python, yanked, metadata
      Element a = anchors.get(i);
      assertThat(a.text()).isEqualTo(u[0]);
      assertThat(a.attr("href")).endsWith("#sha256=" + u[1]);
      assertThat(a.hasAttr("data-requires-python") ? a.attr("data-requires-python") : null)
          .isEqualTo(u[2]);
      assertThat(a.hasAttr("data-yanked") ? a.attr("data-yanked") : null).isEqualTo(u[3]);
      // PEP 714: the new attribute always, the old one beside it with the same value.
      String meta = expectedMetadata(u[0], u[4]);
      assertThat(a.hasAttr("data-core-metadata") ? a.attr("data-core-metadata") : null)
          .isEqualTo(meta);
      assertThat(a.hasAttr("data-dist-info-metadata") ? a.attr("data-dist-info-metadata") : null)
          .isEqualTo(meta);
    }
    if (project.equals("holygrail")) {
      // PEP 708 kept in HTML, from a JSON upstream and from an HTML one alike.
      assertThat(doc.select("meta[name=pypi:tracks]").eachAttr("content"))
          .containsExactly("https://pypi.org/simple/holygrail/");
      assertThat(doc.select("meta[name=pypi:alternate-locations]").eachAttr("content"))
          .containsExactly(
              "https://pypi.org/simple/holygrail/", "https://mirror.example/simple/holygrail/");
    }
    if (project.equals("archived")) {
      assertThat(doc.select("meta[name=pypi:project-status]").attr("content"))
          .isEqualTo("archived");
    }
  }

  @Test
  void htmlOnlyUpstream_reservedAsJson_claimsOnlyWhatItHas() throws IOException {
    recorded.serve("sampleproject", "sampleproject-1.0.html");
    recorded.serve("holygrail", "holygrail-1.2.html");
    proxy(c -> c);

    JsonNode sample = json("sampleproject");
    JsonNode holy = json("holygrail");

    // HTML gives no sizes: the page cannot be 1.1+ (PEP 700 makes size mandatory there).
    assertThat(sample.get("meta").get("api-version").asText()).isEqualTo("1.0");
    assertThat(sample.get("versions")).isNotNull();
    assertThat(JSON.convertValue(sample.get("versions"), String[].class))
        .containsExactly("2.0.0", "3.0.0");
    JsonNode wheel = sample.get("files").get(0);
    // Issue 16: an upstream with only data-dist-info-metadata still gets core-metadata out.
    assertThat(wheel.get("core-metadata").get("sha256").asText()).hasSize(64);
    assertThat(wheel.has("dist-info-metadata")).isFalse();
    assertThat(sample.get("files").get(2).get("yanked").asText()).isEqualTo("broken entry point");
    assertThat(holy.get("tracks")).hasSize(1);
    assertThat(holy.get("alternate-locations")).hasSize(2);
  }

  @Test
  void htmlUpstream_onceEveryFileIsStored_sizesFilledAndClaims14() throws Exception {
    try (TestUpstream up = TestUpstream.start(TestUpstream.Mode.HTML_ONLY)) {
      var one = WheelBuilder.of("alpha", "1.0").build();
      var two = WheelBuilder.of("alpha", "1.1").build();
      up.publishAll(one, two);
      proxy =
          ProxyServer.start(Harness.permissive(ServerConfig.defaults(up.uri(), cache).withPort(0)));

      JsonNode before = json("alpha");
      assertThat(get("/files/alpha/" + one.filename()).statusCode()).isEqualTo(200);
      assertThat(get("/files/alpha/" + two.filename()).statusCode()).isEqualTo(200);
      JsonNode after = json("alpha");
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!after.path("meta").path("api-version").asText().equals("1.4")
          && System.nanoTime() < deadline) {
        Thread.sleep(20); // the stored-file hook runs just after the download completes
        after = json("alpha");
      }

      assertThat(before.path("meta").path("api-version").asText()).isEqualTo("1.0");
      assertThat(before.path("files").get(0).has("size")).isFalse();
      assertThat(after.path("meta").path("api-version").asText()).isEqualTo("1.4");
      assertThat(after.path("files").get(0).path("size").asLong()).isEqualTo(one.size());
      assertThat(after.path("files").get(1).path("size").asLong()).isEqualTo(two.size());
    }
  }

  // ---- the Integrity API names a file by its version too ----------------------------------

  @Test
  void integrity_versionNotTheFiles_isNotFound() throws IOException {
    recorded.serve("attested", "attested-1.3.json");
    proxy(c -> c);
    String file = "attested-1.0-py3-none-any.whl";

    HttpResponse<byte[]> wrong = get("/integrity/attested/9.9/" + file + "/provenance");
    HttpResponse<byte[]> right = get("/integrity/attested/1.0/" + file + "/provenance");
    HttpResponse<byte[]> equivalent = get("/integrity/attested/1.0.0/" + file + "/provenance");

    assertThat(wrong.statusCode()).isEqualTo(404);
    assertThat(new String(wrong.body(), StandardCharsets.UTF_8)).contains("9.9");
    assertThat(right.statusCode())
        .as(new String(right.body(), StandardCharsets.UTF_8))
        .isEqualTo(200);
    assertThat(JSON.readTree(right.body()).has("attestation_bundles")).isTrue();
    assertThat(equivalent.statusCode()).isEqualTo(200);
  }

  // ---- ETags and 304 ------------------------------------------------------------------------

  @Test
  void pageEtag_differsPerCoding_and304HasNoContentLength() throws IOException {
    recorded.serve("holygrail", "holygrail-1.2.json");
    proxy(c -> c);

    HttpResponse<byte[]> identity = get("/simple/holygrail/", "Accept", JSON_V1);
    HttpResponse<byte[]> gzip =
        get("/simple/holygrail/", "Accept", JSON_V1, "Accept-Encoding", "gzip");
    String identityTag = identity.headers().firstValue("ETag").orElseThrow();
    String gzipTag = gzip.headers().firstValue("ETag").orElseThrow();

    assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(new GZIPInputStream(new java.io.ByteArrayInputStream(gzip.body())).readAllBytes())
        .isEqualTo(identity.body());
    assertThat(identityTag).startsWith("\"").endsWith("\"").isNotEqualTo(gzipTag);
    assertThat(gzipTag).startsWith("\"").endsWith("\"");

    String raw304 =
        rawGet(
            "/simple/holygrail/",
            "Accept: " + JSON_V1,
            "Accept-Encoding: gzip",
            "If-None-Match: " + gzipTag);
    assertThat(raw304).startsWith("HTTP/1.1 304");
    assertThat(raw304.toLowerCase(java.util.Locale.ROOT)).doesNotContain("content-length");
    assertThat(raw304.toLowerCase(java.util.Locale.ROOT)).contains("etag: " + gzipTag);
    // The identity tag names another representation: the gzip body is sent again.
    assertThat(
            get(
                    "/simple/holygrail/",
                    "Accept",
                    JSON_V1,
                    "Accept-Encoding",
                    "gzip",
                    "If-None-Match",
                    identityTag)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            get("/simple/holygrail/", "Accept", JSON_V1, "If-None-Match", identityTag).statusCode())
        .isEqualTo(304);
  }

  /** One request on a raw socket; the response head as text. */
  private String rawGet(String path, String... headers) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.uri().getPort())) {
      s.setSoTimeout(10_000);
      // The same Host as the HTTP client's: the base URL is part of what the ETag names.
      var req =
          new StringBuilder(
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + proxy.uri().getPort()
                  + "\r\nConnection: close\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  // ---- the access log says "incomplete" only when a client did not get the whole body ------

  @Test
  void accessLog_clientClosingRightAfterTheLastByte_isNotIncomplete() throws Exception {
    try (TestUpstream up = TestUpstream.start()) {
      // Cold files larger than stream-after stream to the client as they arrive; a client that
      // closes once it has Content-Length bytes got the file whole all the same.
      var wheels = new ArrayList<dev.pypiguard.testing.Artifact>();
      for (int i = 0; i < 3; i++) {
        var w = WheelBuilder.large("big" + i, "1.0", 200_000, i);
        up.publish(w);
        up.throttle(w.filename(), 32 * 1024, java.time.Duration.ofMillis(5));
        wheels.add(w);
      }
      proxy =
          ProxyServer.start(
              Harness.permissive(
                  ServerConfig.defaults(up.uri(), cache).withPort(0).withStreamAfter(1024)));
      PrintStream saved = System.err;
      var captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        for (var w : wheels) {
          readExactlyThenClose("/files/" + w.normalizedProject() + "/" + w.filename(), w.size());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (count(captured, "/files/") < wheels.size() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      } finally {
        System.setErr(saved);
      }
      String log = captured.toString(StandardCharsets.UTF_8);
      assertThat(count(captured, "/files/")).as(log).isEqualTo(wheels.size());
      assertThat(log).doesNotContain("incomplete").doesNotContain("aborted");
    }
  }

  private static long count(ByteArrayOutputStream log, String path) {
    // Only the raw-socket requests: they send no User-Agent (the warm-up's line may come late).
    return log.toString(StandardCharsets.UTF_8)
        .lines()
        .filter(l -> l.contains("GET " + path) && l.contains("\"-\" \"-\""))
        .count();
  }

  /** Reads the head and exactly Content-Length bytes, then closes at once (as curl does). */
  private void readExactlyThenClose(String path, long length) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.uri().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      int matched = 0;
      while (matched < 4) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("closed before the head ended");
        }
        matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
      }
      assertThat(in.readNBytes((int) length)).hasSize((int) length);
      s.setSoLinger(true, 0); // reset: the proxy's next write would fail
    }
  }

  // ---- forwarded headers, from trusted proxies only -----------------------------------------

  @Test
  void forwardedHeaders_fromTrustedProxy_giveHttpsLinks_fromOthersIgnored() throws IOException {
    recorded.serve("holygrail", "holygrail-1.2.json");
    var problems = new ArrayList<String>();
    TrustedProxies loopback =
        TrustedProxies.parse(List.of("127.0.0.0/8", "::1"), "trusted-proxies", problems);
    assertThat(problems).isEmpty();

    proxy(c -> c);
    JsonNode untrusted =
        JSON.readTree(
            get(
                    "/simple/holygrail/",
                    "Accept",
                    JSON_V1,
                    "X-Forwarded-Proto",
                    "https",
                    "X-Forwarded-Host",
                    "evil.example")
                .body());
    assertThat(untrusted.get("files").get(0).get("url").asText())
        .startsWith(proxy.uri() + "/files/");
    proxy.close();

    proxy(c -> c.edit(b -> b.trustedProxies = loopback));
    JsonNode xf =
        JSON.readTree(
            get(
                    "/simple/holygrail/",
                    "Accept",
                    JSON_V1,
                    "X-Forwarded-Proto",
                    "https",
                    "X-Forwarded-Host",
                    "pypi.example.com")
                .body());
    JsonNode rfc7239 =
        JSON.readTree(
            get(
                    "/simple/holygrail/",
                    "Accept",
                    JSON_V1,
                    "Forwarded",
                    "for=203.0.113.9;proto=http;host=spoofed.example, for=10.0.0.1;proto=https;host=\"pypi.corp.example:8443\"")
                .body());
    JsonNode badHost =
        JSON.readTree(
            get("/simple/holygrail/", "Accept", JSON_V1, "X-Forwarded-Host", "a b/../x").body());

    assertThat(xf.get("files").get(0).get("url").asText())
        .startsWith("https://pypi.example.com/files/holygrail/");
    assertThat(rfc7239.get("files").get(0).get("url").asText())
        .startsWith("https://pypi.corp.example:8443/files/holygrail/");
    assertThat(badHost.get("files").get(0).get("url").asText()).startsWith("http://127.0.0.1:");
  }

  @Test
  void trustedProxies_fromTheConfigFile_readOrRefusedWithFileAndLine() throws Exception {
    Path cfg = cache.resolve("pypi-guard.yaml");
    java.nio.file.Files.createDirectories(cache);
    var flags =
        new dev.pypiguard.server.config.ConfigLoader.Flags(
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.of(cache),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            false,
            List.of());
    java.nio.file.Files.writeString(
        cfg, "listen: 127.0.0.1:0\ntrusted-proxies: [10.0.0.0/8, \"::1\"]\n");
    TrustedProxies ok =
        dev.pypiguard.server.config.ConfigLoader.load(java.util.Optional.of(cfg), flags)
            .trustedProxies();
    assertThat(ok.trusts(InetAddress.getByName("10.1.2.3"))).isTrue();
    assertThat(ok.trusts(InetAddress.getByName("::1"))).isTrue();
    assertThat(ok.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();

    java.nio.file.Files.writeString(cfg, "listen: 127.0.0.1:0\ntrusted-proxies: [lb.example]\n");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    dev.pypiguard.server.config.ConfigLoader.load(
                        java.util.Optional.of(cfg), flags)))
        .hasMessageContaining(
            cfg + ":2: trusted-proxies: \"lb.example\" (expected: an IP address or CIDR range");
  }

  @Test
  void trustedProxies_notAnAddress_isRefusedWithTheKey() {
    var problems = new ArrayList<String>();
    TrustedProxies.parse(
        List.of("10.0.0.0/33", "lb.example", "192.168.0.1"),
        "pypi-guard.yaml:3: trusted-proxies",
        problems);
    assertThat(problems).hasSize(2);
    assertThat(problems.get(0))
        .contains("trusted-proxies")
        .contains("10.0.0.0/33")
        .contains("expected");
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** A wheel without upstream metadata has the proxy's own ("true" until first read). */
  private static String expectedMetadata(String filename, String upstream) {
    return upstream == null && filename.endsWith(".whl") ? "true" : upstream;
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  /**
   * The metadata reference under any name a page may use, as {@code sha256=<hex>}, "true" or null.
   */
  private static String metadataOf(JsonNode f) {
    for (String key : List.of("core-metadata", "dist-info-metadata", "data-dist-info-metadata")) {
      JsonNode m = f.get(key);
      if (m != null && !m.isNull() && !(m.isBoolean() && !m.booleanValue())) {
        return m.isObject() ? "sha256=" + m.get("sha256").asText() : "true";
      }
    }
    return null;
  }

  private List<String[]> filesOfJson(String resource) throws IOException {
    var out = new ArrayList<String[]>();
    for (JsonNode f : JSON.readTree(recorded.body(resource)).get("files")) {
      JsonNode y = f.get("yanked");
      String yanked =
          y == null || (y.isBoolean() && !y.booleanValue())
              ? null
              : y.isTextual() ? y.asText() : "";
      out.add(
          new String[] {
            f.get("filename").asText(),
            f.get("hashes").get("sha256").asText(),
            textOrNull(f.get("requires-python")),
            yanked,
            metadataOf(f)
          });
    }
    return out;
  }

  private List<String[]> filesOfHtml(String resource) {
    var out = new ArrayList<String[]>();
    for (Element a :
        Jsoup.parse(new String(recorded.body(resource), StandardCharsets.UTF_8))
            .select("a[href]")) {
      String href = a.attr("href");
      String meta =
          a.hasAttr("data-core-metadata")
              ? a.attr("data-core-metadata")
              : a.hasAttr("data-dist-info-metadata") ? a.attr("data-dist-info-metadata") : null;
      out.add(
          new String[] {
            a.text(),
            href.substring(href.indexOf("#sha256=") + 8),
            a.hasAttr("data-requires-python") ? a.attr("data-requires-python") : null,
            a.hasAttr("data-yanked") ? a.attr("data-yanked") : null,
            meta
          });
    }
    return out;
  }

  /**
   * An index that serves recorded pages as they are ({@code {{origin}}} replaced by its own
   * origin), by the format of the recording, and an empty Integrity API document.
   */
  static final class RecordedUpstream implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> pages = new ConcurrentHashMap<>();

    RecordedUpstream() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      server.createContext(
          "/",
          x -> {
            String path = x.getRequestURI().getPath();
            byte[] body;
            String type;
            if (path.startsWith("/integrity/")) {
              body = "{\"version\":1,\"attestation_bundles\":[]}".getBytes(StandardCharsets.UTF_8);
              type = "application/vnd.pypi.integrity.v1+json";
            } else {
              String project = path.replaceAll("^/simple/([^/]+)/$", "$1");
              String resource = pages.get(project);
              if (resource == null) {
                x.sendResponseHeaders(404, -1);
                x.close();
                return;
              }
              body = body(resource);
              type = resource.endsWith(".json") ? JSON_V1 : "text/html; charset=utf-8";
            }
            x.getResponseHeaders().set("Content-Type", type);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
              o.write(body);
            }
          });
      server.start();
    }

    void serve(String project, String resource) {
      pages.put(project, resource);
    }

    byte[] body(String resource) {
      try (InputStream in = ProtocolFidelityIT.class.getResourceAsStream("/recorded/" + resource)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8)
            .replace("{{origin}}", origin())
            .getBytes(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    String origin() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    URI uri() {
      return URI.create(origin() + "/simple/");
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
