package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestEgressProxy;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several upstreams from {@code upstreams:}: a private index that owns {@code mycorp-*} and wants
 * credentials, and a public one that also publishes a {@code mycorp-tools} (the dependency
 * confusion attack). The public one must never be asked for, nor serve, a name the private owns.
 */
class UpstreamsIT {
  private static final String PASSWORD = "s3cret-from-file";
  private static final String BASIC =
      "Basic "
          + Base64.getEncoder()
              .encodeToString(("ci-reader:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private TestUpstream privateIndex;
  private TestUpstream publicIndex;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void upstreams() {
    privateIndex = TestUpstream.start().requireAuthorization(BASIC);
    privateIndex.publish(WheelBuilder.of("mycorp-tools", "1.0").requires("alpha").build());
    privateIndex.publish(WheelBuilder.of("mycorp-cache", "2.0").build());
    publicIndex = TestUpstream.start();
    // The attacker's upload: a higher version of the private name, on the public index.
    publicIndex.publish(WheelBuilder.of("mycorp-tools", "99.0").build());
    publicIndex.publish(WheelBuilder.of("mycorp-ghost", "1.0").build());
    publicIndex.publish(WheelBuilder.of("alpha", "1.0").build());
  }

  @AfterEach
  void stop() {
    privateIndex.close();
    publicIndex.close();
  }

  /**
   * The config of README "Several upstreams, and no dependency confusion", with the password in a
   * file and the user from ${ENV}.
   */
  private ProxyServer start() throws IOException {
    return start("");
  }

  private ProxyServer start(String extra) throws IOException {
    Files.writeString(dir.resolve("private-password"), PASSWORD + "\n");
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "listen: 127.0.0.1:0",
            "cache-dir: " + dir.resolve("cache"),
            "cache: {stale-after: 500ms}",
            "timeouts: {connect: 2s, read: 3s}",
            "upstreams:",
            "  - name: private",
            "    url: " + privateIndex.uri(),
            "    projects: [\"mycorp-*\"]",
            "    username: ${PRIVATE_USER}",
            "    password-file: private-password",
            "  - name: pypi",
            "    url: " + publicIndex.uri(),
            extra,
            ""));
    return ProxyServer.start(
        ConfigLoader.load(
            Optional.of(config), CliTest.noFlags(), Map.of("PRIVATE_USER", "ci-reader")::get));
  }

  private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(proxy.uri() + path))
            .header("Accept", "application/vnd.pypi.simple.v1+json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int publicAsked(TestUpstream up, String project) {
    return (int) up.requestLog().stream().filter(r -> r.path().contains(project)).count();
  }

  @Test
  void pip_getsPrivatePackage_neverThePublicOne_andPublicDependencies_allThroughTheEgressProxy()
      throws Exception {
    PythonEnv.assumePython3();
    try (TestEgressProxy egress = TestEgressProxy.open();
        ProxyServer proxy = start("egress: {proxy: " + egress.uri() + "}")) {
      PipResult r =
          PythonEnv.shared()
              .install(
                  URI.create(proxy.uri() + "/simple/"),
                  List.of("--only-binary", ":all:", "mycorp-tools"));
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.installedVersions()).isEqualTo(Map.of("mycorp-tools", "1.0", "alpha", "1.0"));
      assertThat(publicAsked(publicIndex, "mycorp-tools")).isZero();
      // ...and the private index is not asked for what it does not own.
      assertThat(privateIndex.requestPaths()).noneMatch(path -> path.contains("alpha"));

      // Credentials reach the private index on every request, and the public one never.
      assertThat(privateIndex.requestLog())
          .isNotEmpty()
          .allSatisfy(req -> assertThat(req.headers().get("Authorization")).containsExactly(BASIC));
      assertThat(publicIndex.requestLog())
          .isNotEmpty()
          .allSatisfy(req -> assertThat(req.headers()).doesNotContainKey("Authorization"));

      JsonNode explain = JSON.readTree(get(proxy, "/-/explain/mycorp-tools").body());
      assertThat(explain.path("upstream").asText()).isEqualTo("private");
      assertThat(JSON.readTree(get(proxy, "/-/explain/alpha").body()).path("upstream").asText())
          .isEqualTo("pypi");

      // Metrics say which upstream answered what, pages and files.
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(proxy.uri() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains(
              "pypiguard_upstream_requests_seconds_count{kind=\"project\",outcome=\"ok\",upstream=\"private\"}")
          .contains(
              "pypiguard_upstream_requests_seconds_count{kind=\"file\",outcome=\"ok\",upstream=\"private\"}")
          .contains(
              "pypiguard_upstream_requests_seconds_count{kind=\"project\",outcome=\"ok\",upstream=\"pypi\"}")
          .contains(
              "pypiguard_upstream_requests_seconds_count{kind=\"file\",outcome=\"ok\",upstream=\"pypi\"}");

      // Every upstream request went through the egress proxy.
      List<String> viaProxy = egress.seen().stream().map(TestEgressProxy.Seen::target).toList();
      assertThat(viaProxy)
          .contains(privateIndex.uri() + "mycorp-tools/", publicIndex.uri() + "alpha/")
          .noneMatch(t -> t.startsWith(publicIndex.uri() + "mycorp-tools"));
      assertThat(viaProxy).hasSize(privateIndex.requestCount() + publicIndex.requestCount());
    }
  }

  @Test
  void ownedName_missingOnPrivate_is404_evenThoughPublicHasIt() throws Exception {
    try (ProxyServer proxy = start()) {
      var r = get(proxy, "/simple/mycorp-ghost/");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("private");
      assertThat(publicAsked(publicIndex, "mycorp-ghost")).isZero();
      assertThat(get(proxy, "/files/mycorp-ghost/mycorp_ghost-1.0-py3-none-any.whl").statusCode())
          .isEqualTo(404);
      assertThat(publicAsked(publicIndex, "mycorp-ghost")).isZero();
    }
  }

  @Test
  void ownedName_privateDown_neverFallsThrough_staleCopyStillServed() throws Exception {
    try (ProxyServer proxy = start()) {
      assertThat(get(proxy, "/simple/mycorp-cache/").statusCode()).isEqualTo(200);
      privateIndex.stop();

      // Cached before: its stale copy, from the private index.
      var cached = get(proxy, "/simple/mycorp-cache/?format=application/vnd.pypi.simple.v1+json");
      assertThat(cached.statusCode()).isEqualTo(200);
      assertThat(cached.body()).contains("mycorp_cache-2.0");

      // Never cached: 502, and the public index is not asked for it.
      var down = get(proxy, "/simple/mycorp-tools/");
      assertThat(down.statusCode()).isEqualTo(502);
      assertThat(publicAsked(publicIndex, "mycorp-tools")).isZero();
    }
  }

  /**
   * A proxy over the private index (owning mycorp-*, with {@code privateExtra} in its entry)
   * followed by {@code others} upstream entries, under the global {@code timeouts}.
   */
  private ProxyServer startWith(String timeouts, String privateExtra, String... others)
      throws IOException {
    Files.writeString(dir.resolve("private-password"), PASSWORD);
    Path config = dir.resolve("more.yaml");
    var lines =
        new java.util.ArrayList<>(
            List.of(
                "listen: 127.0.0.1:0",
                "cache-dir: " + dir.resolve("cache"),
                "cache: {stale-after: 500ms}",
                "timeouts: " + timeouts,
                "upstreams:",
                "  - {name: private, url: " + privateIndex.uri() + ", projects: [\"mycorp-*\"],",
                "     username: ci-reader, password-file: private-password" + privateExtra + "}"));
    lines.addAll(List.of(others));
    Files.writeString(config, String.join("\n", lines) + "\n");
    return ProxyServer.start(ConfigLoader.load(Optional.of(config), CliTest.noFlags()));
  }

  /** Three upstreams: the private owner of mycorp-*, then a mirror and PyPI for everything else. */
  private ProxyServer startWithMirror(TestUpstream mirror) throws IOException {
    return startWith(
        "{connect: 2s, read: 3s}",
        "",
        "  - {name: mirror, url: " + mirror.uri() + "}",
        "  - {name: pypi, url: " + publicIndex.uri() + "}");
  }

  @Test
  void unownedName_earlierUpstreamDown_laterOneOnlyIfItServedTheNameBefore() throws Exception {
    publicIndex.publish(WheelBuilder.of("beta", "1.0").build());
    try (TestUpstream mirror = TestUpstream.start();
        ProxyServer proxy = startWithMirror(mirror)) {
      assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
      mirror.stop();

      // alpha came from PyPI before, so the mirror did not have it then.
      var alpha = get(proxy, "/simple/alpha/");
      assertThat(alpha.statusCode()).isEqualTo(200);
      assertThat(alpha.body()).contains("alpha-1.0");

      // beta was never seen: the mirror, which is down, might hold it.
      var beta = get(proxy, "/simple/beta/");
      assertThat(beta.statusCode()).isEqualTo(502);
      assertThat(beta.body()).contains("mirror");
      assertThat(publicAsked(publicIndex, "/simple/beta/")).isZero();
    }
  }

  @Test
  void unownedName_neverAskedOfTheOwningUpstream_anUnownedUpstreams404IsRemembered()
      throws Exception {
    try (TestUpstream mirror = TestUpstream.start();
        ProxyServer proxy = startWithMirror(mirror)) {
      for (int i = 0; i < 3; i++) {
        assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
      }
      assertThat(privateIndex.requestCount()).isZero();
      assertThat(mirror.requests("/simple/alpha/")).isEqualTo(1);
      assertThat(publicIndex.requests("/simple/alpha/")).isEqualTo(1);

      // The private index is down: names it does not own are not affected at all.
      privateIndex.stop();
      publicIndex.publish(WheelBuilder.of("gamma", "1.0").build());
      assertThat(get(proxy, "/simple/gamma/").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void nameOwnedByNobody_whenEveryUpstreamOwnsGlobs_is404() throws Exception {
    try (ProxyServer proxy = startWith("{connect: 2s, read: 3s}", "")) {
      var r = get(proxy, "/simple/alpha/");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("owned by no upstream");
      assertThat(get(proxy, "/simple/mycorp-tools/").statusCode()).isEqualTo(200);
      assertThat(privateIndex.requests("/simple/alpha/")).isZero();
    }
  }

  @Test
  void index_listsEachNameOnce_ownedNamesOnlyFromTheirOwner() throws Exception {
    try (ProxyServer proxy = start()) {
      var r = get(proxy, "/simple/");
      assertThat(r.statusCode()).isEqualTo(200);
      List<String> names = JSON.readTree(r.body()).findValuesAsText("name");
      assertThat(names).containsExactlyInAnyOrder("mycorp-tools", "mycorp-cache", "alpha");
    }
  }

  @Test
  @SuppressWarnings("try") // the proxy only has to run while check reads the config it wrote
  void check_withConfig_resolvesAsServeDoes() throws Exception {
    try (ProxyServer proxy = start()) {
      String config = dir.resolve("pypi-guard.yaml").toString();
      // check reads ${PRIVATE_USER} from the real environment: give the user in the file instead.
      Files.writeString(
          Path.of(config),
          Files.readString(Path.of(config)).replace("${PRIVATE_USER}", "ci-reader"));
      var tools = CliTest.run("check", "--config", config, "mycorp-tools");
      assertThat(tools.code()).as(tools.out() + tools.err()).isZero();
      assertThat(tools.out())
          .contains("mycorp-tools: from upstream private")
          .contains("mycorp-tools==1.0: ALLOWED");
      var ghost = CliTest.run("check", "--config", config, "mycorp-ghost");
      assertThat(ghost.code()).isEqualTo(1);
      assertThat(ghost.out()).contains("mycorp-ghost: NOT FOUND on private");
      var alpha = CliTest.run("check", "--config", config, "alpha");
      assertThat(alpha.out()).contains("alpha: from upstream pypi");
      assertThat(publicAsked(publicIndex, "mycorp-")).isZero();
    }
  }

  @Test
  void upstreamTimeouts_ofItsOwn_applyToThatUpstreamOnly() throws Exception {
    privateIndex.delay("/simple/", java.time.Duration.ofSeconds(5));
    publicIndex.delay("/simple/", java.time.Duration.ofSeconds(1));
    try (ProxyServer proxy =
        startWith(
            "{connect: 2s, read: 20s}",
            ", timeouts: {read: 300ms}",
            "  - {name: pypi, url: " + publicIndex.uri() + "}")) {
      // The private index's 300 ms read timeout gives up long before its 5 s delay...
      assertThat(get(proxy, "/simple/mycorp-tools/").statusCode()).isEqualTo(504);
      // ...while the public index, slower than 300 ms, is waited for under the global 20 s.
      privateIndex.resetKnobs();
      assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void statusAndStats_showEachUpstreamWithWhatItOwns_andItsHealth() throws Exception {
    try (ProxyServer proxy = start()) {
      assertThat(get(proxy, "/simple/mycorp-tools/").statusCode()).isEqualTo(200);
      privateIndex.stop();
      assertThat(get(proxy, "/simple/mycorp-ghost/").statusCode()).isEqualTo(502);
      JsonNode ups = JSON.readTree(get(proxy, "/-/admin/stats").body()).path("upstreams");
      assertThat(ups.get(0).path("name").asText()).isEqualTo("private");
      assertThat(ups.get(0).path("owns").get(0).asText()).isEqualTo("mycorp-*");
      assertThat(ups.get(0).path("state").asText()).isEqualTo("down");
      assertThat(ups.get(1).path("name").asText()).isEqualTo("pypi");
      assertThat(ups.get(1).path("owns").isArray() && ups.get(1).path("owns").isEmpty()).isTrue();
      var html =
          http.send(
                  HttpRequest.newBuilder(URI.create(proxy.uri() + "/"))
                      .header("Accept", "text/html")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(html).contains("owns mycorp-*").contains("data-upstream=\"pypi\"");
    }
  }

  @Test
  void fileHosts_filesComeFromThem_andCredentialsStayWithTheIndexHost_directOrByRedirect()
      throws Exception {
    var tools = WheelBuilder.of("mycorp-tools", "1.0").requires("alpha").build();
    var cache = WheelBuilder.of("mycorp-cache", "2.0").build();
    try (TestUpstream cdn = TestUpstream.start()) {
      cdn.publishAll(tools, cache);
      String cdnOrigin = "http://127.0.0.1:" + cdn.port();
      privateIndex.fileOrigin(cdnOrigin);
      try (ProxyServer proxy =
          startWith(
              "{connect: 2s, read: 3s}", ", file-hosts: [\"127.0.0.1:" + cdn.port() + "\"]")) {
        // Pages point files at the CDN: fetched there, without the index's credentials.
        var direct =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(proxy.uri() + "/files/mycorp-tools/" + tools.filename()))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(direct.body()).isEqualTo(tools.bytes());

        // The index itself redirects a file to the CDN: followed, again without credentials.
        privateIndex.fileOrigin(null);
        privateIndex.redirectFiles(cdnOrigin);
        var redirected =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(proxy.uri() + "/files/mycorp-cache/" + cache.filename()))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(redirected.statusCode()).isEqualTo(200);
        assertThat(redirected.body()).isEqualTo(cache.bytes());
        assertThat(privateIndex.requests("/files/" + cache.filename())).isEqualTo(1);
        assertThat(cdn.requests("/files/" + cache.filename())).isEqualTo(1);
      }
      assertThat(cdn.requestLog())
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("Authorization"));
    }
  }

  @Test
  void credentials_neverInLogsOrConfigText() throws Exception {
    String proxyPassword = "egress-pass-4242";
    try (TestEgressProxy egress = TestEgressProxy.start("gw", proxyPassword)) {
      String[] printed = new String[1];
      // Start-up logs every upstream and the egress proxy; a request logs access and upstream
      // lines.
      String log =
          AccessControlIT.stderrOf(
              () -> {
                try (ProxyServer proxy =
                    start(
                        "egress: {proxy: \"http://gw:"
                            + proxyPassword
                            + "@127.0.0.1:"
                            + egress.uri().getPort()
                            + "\"}")) {
                  printed[0] = proxy.config().toString();
                  privateIndex.stop();
                  get(proxy, "/simple/mycorp-tools/");
                }
              },
              "\"GET /simple/mycorp-tools/ HTTP/1.1\"");
      assertThat(log)
          .contains("egress through")
          .contains("upstream private")
          .doesNotContain(PASSWORD)
          .doesNotContain(BASIC.substring(6))
          .doesNotContain(proxyPassword);
      assertThat(printed[0])
          .doesNotContain(PASSWORD)
          .doesNotContain(BASIC.substring(6))
          .doesNotContain(proxyPassword)
          .contains("with credentials");
    }
  }
}
