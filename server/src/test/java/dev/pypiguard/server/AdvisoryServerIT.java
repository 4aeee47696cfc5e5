package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OSV advisories through the server: vulnerable and malicious releases, refresh, health (issue 4).
 */
class AdvisoryServerIT {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/vnd.pypi.simple.v1+json";

  @TempDir Path dir;
  Path osv;
  Path policy;
  Harness h;

  static String record(
      String id, String alias, String project, String introduced, String fixed, String severity) {
    return """
        {"id": "%s", "modified": "2024-01-01T00:00:00Z", "aliases": ["%s"],
         "affected": [{"package": {"ecosystem": "PyPI", "name": "%s"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "%s"}%s]}]}],
         "database_specific": {"severity": "%s"}}
        """
        .formatted(
            id,
            alias,
            project,
            introduced,
            fixed.isEmpty() ? "" : ", {\"fixed\": \"" + fixed + "\"}",
            severity);
  }

  @BeforeEach
  void start() throws Exception {
    osv = Files.createDirectories(dir.resolve("osv"));
    Files.writeString(
        osv.resolve("PYSEC-2099-1.json"),
        record("PYSEC-2099-1", "GHSA-aaaa-bbbb-cccc", "alpha", "2.0", "2.1", "HIGH"));
    Files.writeString(
        osv.resolve("GHSA-aaaa-bbbb-cccc.json"),
        record("GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1", "alpha", "2.0", "2.1", "HIGH"));
    Files.writeString(
        osv.resolve("MAL-2099-7.json"),
        record("MAL-2099-7", "OSV-2099-7", "evilpkg", "0", "", "CRITICAL"));
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "advisories:\n  vulnerable: block\n  min-severity: medium\n");
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c ->
                c.withPolicyFile(Optional.of(policy))
                    .withAdvisories(List.of(osv.toString()), Duration.ofHours(1)));
    h.upstream.publishAll(
        WheelBuilder.of("alpha", "1.0").build(),
        WheelBuilder.of("alpha", "1.5").build(),
        WheelBuilder.of("alpha", "2.0").build(),
        WheelBuilder.of("evilpkg", "1.0").build());
  }

  @AfterEach
  void stop() {
    h.close();
  }

  String files(String project) throws Exception {
    return MAPPER
        .readTree(h.get("/simple/" + project + "/", "Accept", JSON).body())
        .path("files")
        .toString();
  }

  @Test
  void vulnerableRelease_hiddenWithIdsSeverityAndFix_reportedOnce() throws Exception {
    assertThat(files("alpha")).contains("alpha-1.5-").doesNotContain("alpha-2.0-");
    var r = h.get("/files/alpha/alpha-2.0-py3-none-any.whl");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .contains("advisories: PYSEC-2099-1 (GHSA-aaaa-bbbb-cccc), high: fixed in 2.1");
    assertThat(text(r)).containsOnlyOnce("PYSEC-2099-1");
  }

  @Test
  void maliciousProject_doesNotExist() throws Exception {
    assertThat(h.get("/simple/evilpkg/").statusCode()).isEqualTo(404);
    var explain = MAPPER.readTree(h.get("/-/explain/evilpkg").body());
    assertThat(explain.path("files").get(0).path("reasons").toString())
        .contains("malicious")
        .contains("MAL-2099-7");
  }

  @Test
  void refreshedAdvisory_appliesAtOnceToCachedPages() throws Exception {
    assertThat(files("alpha")).contains("alpha-1.5-");
    Files.writeString(
        osv.resolve("PYSEC-2099-2.json"),
        record("PYSEC-2099-2", "CVE-2099-2", "alpha", "1.5", "1.6", "CRITICAL"));
    assertThat(h.proxy.advisories().orElseThrow().sources().reload()).isTrue();
    assertThat(files("alpha")).contains("alpha-1.0-").doesNotContain("alpha-1.5-");
  }

  @Test
  void healthz_reportsAdvisorySources() {
    String body = text(h.get("/healthz"));
    assertThat(body.lines().findFirst()).hasValue("ok");
    assertThat(body).contains("advisories: ");
    assertThat(text(h.get("/metrics"))).contains("pypiguard_advisories_records 3.0");
  }

  @Test
  void unreachableOsvApi_releasesHeld_healthDegraded_unlessOnUnavailableAllow() throws Exception {
    int closedPort;
    try (var s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    h.restart(
        c ->
            c.withAdvisories(
                List.of(osv.toString(), "osv-api:http://127.0.0.1:" + closedPort),
                Duration.ofHours(1)));
    // Issue 13: a release the OSV API never answered for is held, not allowed.
    assertThat(files("alpha")).doesNotContain("alpha-1.5-").doesNotContain("alpha-2.0-");
    var held = h.get("/files/alpha/alpha-1.5-py3-none-any.whl");
    assertThat(held.statusCode()).isEqualTo(503);
    assertThat(held.headers().firstValue("Retry-After")).isPresent();
    assertThat(text(held)).contains("is unreachable").contains("advisories.on-unavailable: hold");
    String health = text(h.get("/healthz"));
    assertThat(health.lines().findFirst()).hasValue("degraded");
    assertThat(health).contains("unreachable");

    Files.writeString(policy, "advisories:\n  vulnerable: block\n  on-unavailable: allow\n");
    h.proxy.policy().reloadIfChanged();
    assertThat(files("alpha")).contains("alpha-1.5-").doesNotContain("alpha-2.0-");
  }

  @Test
  void check_printsAdvisories() {
    var r =
        CliTest.run(
            "check",
            "--policy",
            policy.toString(),
            "--advisories",
            osv.toString(),
            "--upstream",
            h.upstream.uri().toString(),
            "alpha==2.0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("PYSEC-2099-1").contains("fixed in 2.1");
  }

  @Test
  void advisoriesUpdate_importsIntoTheCacheForServe() throws Exception {
    Path cache = dir.resolve("cache3");
    var r =
        CliTest.run(
            "advisories",
            "update",
            "--advisories",
            osv.toString(),
            "--cache-dir",
            cache.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("3 PyPI records (1 malicious)");
    try (var files = Files.list(cache.resolve("advisories"))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("osv.zip");
    }
    // serve without --advisories judges with what was imported.
    h.close();
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML, cache, c -> c.withPolicyFile(Optional.of(policy)));
    h.upstream.publishAll(
        WheelBuilder.of("alpha", "1.5").build(), WheelBuilder.of("alpha", "2.0").build());
    assertThat(h.get("/files/alpha/alpha-2.0-py3-none-any.whl").statusCode()).isEqualTo(403);
    assertThat(h.get("/files/alpha/alpha-1.5-py3-none-any.whl").statusCode()).isEqualTo(200);
  }

  @Test
  void advisoriesUpdate_withConfig_importsIntoTheConfigsCacheDir() throws Exception {
    Path cache = dir.resolve("configured-cache");
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(config, "cache-dir: " + cache + "\n");
    var r =
        CliTest.run(
            "advisories", "update", "--advisories", osv.toString(), "--config", config.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(cache.resolve("advisories").resolve("osv.zip")).isRegularFile();
  }

  /**
   * An HTTP server on port 0 answering {@code path} with {@code body}, as OSV's export bucket does.
   */
  static com.sun.net.httpserver.HttpServer exportServer(String path, int status, byte[] body)
      throws Exception {
    var server =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        path,
        ex -> {
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    return server;
  }

  static byte[] zipOf(Path dir) throws Exception {
    var bytes = new java.io.ByteArrayOutputStream();
    try (var zip = new java.util.zip.ZipOutputStream(bytes);
        var files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        zip.putNextEntry(new java.util.zip.ZipEntry(f.getFileName().toString()));
        zip.write(Files.readAllBytes(f));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void advisoriesUpdate_withoutSources_downloadsTheOsvExport_issue18() throws Exception {
    Path cache = dir.resolve("cache4");
    var server = exportServer("/PyPI/all.zip", 200, zipOf(osv));
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/PyPI/all.zip";
      var r = CliTest.run("advisories", "update", "--from", url, "--cache-dir", cache.toString());
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("3 PyPI records (1 malicious), as of 2024-01-01");
      try (var files = Files.list(cache.resolve("advisories"))) {
        assertThat(files.map(p -> p.getFileName().toString()).toList())
            .containsExactly("osv-PyPI-all.zip");
      }
    } finally {
      server.stop(0);
    }
    // A failed refresh keeps what was imported, and says so.
    var broken =
        exportServer(
            "/PyPI/all.zip", 200, "not a zip".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try {
      String url = "http://127.0.0.1:" + broken.getAddress().getPort() + "/PyPI/all.zip";
      var r = CliTest.run("advisories", "update", "--from", url, "--cache-dir", cache.toString());
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err())
          .contains("not an OSV zip export", "the earlier data stays")
          .doesNotContain("\tat ");
      var missing =
          CliTest.run(
              "advisories",
              "update",
              "--from",
              url.replace("all.zip", "none.zip"),
              "--cache-dir",
              cache.toString());
      assertThat(missing.code()).isEqualTo(2);
      assertThat(missing.err()).contains("HTTP 404");
    } finally {
      broken.stop(0);
    }
    try (var files = Files.list(cache.resolve("advisories"))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .containsExactly("osv-PyPI-all.zip");
    }
    // serve without --advisories judges with it.
    h.close();
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML, cache, c -> c.withPolicyFile(Optional.of(policy)));
    h.upstream.publishAll(
        WheelBuilder.of("alpha", "1.5").build(), WheelBuilder.of("alpha", "2.0").build());
    assertThat(h.get("/files/alpha/alpha-2.0-py3-none-any.whl").statusCode()).isEqualTo(403);
    assertThat(h.get("/files/alpha/alpha-1.5-py3-none-any.whl").statusCode()).isEqualTo(200);
  }

  @Test
  void pip_skipsVulnerableRelease_installsNearestSafe() {
    PythonEnv.assumePython3();
    PipResult r = PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha"));
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.5"));
  }
}
