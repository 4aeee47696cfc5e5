package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the README's first command, {@code pypi-guard serve} with no policy, no advisories and
 * no cache directory of its own (a fresh home), already protects. It runs as the launcher runs it,
 * {@code java -cp ... dev.pypiguard.server.cli.Main serve}, in a process of its own, in front of a
 * test upstream; only {@code --listen} (port 0) and {@code --upstream} are added.
 */
class SecureByDefaultIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JSON_V1 = "application/vnd.pypi.simple.v1+json";
  static final Pattern LISTENING = Pattern.compile("listening on (http://[^\\s]+)");

  static TestUpstream upstream;
  static Path home;
  static Process serve;
  static final StringBuffer log = new StringBuffer();
  static URI proxy;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void firstCommand() throws Exception {
    upstream = TestUpstream.start();
    FileOptions old = FileOptions.defaults();
    upstream.publish(WheelBuilder.of("fresh", "1.0").build(), old);
    upstream.publish(
        WheelBuilder.of("fresh", "2.0").build(),
        FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofHours(1))));
    // MAL-2026-15859 in the bundled OpenSSF malicious-packages snapshot.
    upstream.publish(WheelBuilder.of("0requests", "0.0.1").build(), old);
    // MAL-2026-4750 is a withdrawn false positive: fastapi 0.136.3 must be served.
    upstream.publish(WheelBuilder.of("fastapi", "0.136.3").build(), old);

    home = Files.createTempDirectory("pypi-guard-home");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    serve =
        new ProcessBuilder(
                java,
                "-Duser.home=" + home,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.pypiguard.server.cli.Main",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                upstream.uri().toString())
            .redirectErrorStream(true)
            .start();
    Thread reader = new Thread(() -> drain(serve.getInputStream()), "serve-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Matcher m = LISTENING.matcher("");
    while (System.nanoTime() < deadline && serve.isAlive()) {
      m = LISTENING.matcher(log);
      if (m.find()) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(m.hitEnd()).as("serve did not start:\n" + log).isFalse();
    proxy = URI.create(m.group(1));
    // The defences are logged after the listening line; wait for the last one.
    while (System.nanoTime() < deadline && !log.toString().contains("defence files.sdists")) {
      Thread.sleep(20);
    }
  }

  private static void drain(InputStream in) {
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        log.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.destroy();
      if (!serve.waitFor(20, TimeUnit.SECONDS)) {
        serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(proxy + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void releaseUploadedAnHourAgo_isRefused_withItsReason() throws Exception {
    JsonNode page = JSON.readTree(get("/simple/fresh/", "Accept", JSON_V1).body());
    assertThat(page.path("files").toString())
        .contains("fresh-1.0-py3-none-any.whl")
        .doesNotContain("fresh-2.0-py3-none-any.whl");
    assertThat(page.path("_pypi-guard").toString())
        .contains("fresh-2.0-py3-none-any.whl", "release-age");
    var direct = get("/files/fresh/fresh-2.0-py3-none-any.whl");
    assertThat(direct.statusCode()).isEqualTo(403);
    // An hour ago, give or take the time the test took to get here.
    assertThat(direct.body())
        .containsPattern("release-age: uploaded (59 minutes|1 hour) ago, minimum is 7 days");
  }

  @Test
  void releaseListedMaliciousInTheBundledSnapshot_isRefused_withItsReason() throws Exception {
    var direct = get("/files/0requests/0requests-0.0.1-py3-none-any.whl");
    assertThat(direct.statusCode()).isEqualTo(403);
    assertThat(direct.body()).contains("malicious", "MAL-2026-15859");
    assertThat(get("/files/fastapi/fastapi-0.136.3-py3-none-any.whl").statusCode()).isEqualTo(200);
  }

  @Test
  void pip_getsTheOlderRelease_andNeverTheMaliciousOne() {
    PythonEnv.assumePython3();
    PythonEnv py = PythonEnv.shared();
    PipResult fresh =
        py.install(URI.create(proxy + "/simple/"), List.of("--only-binary", ":all:", "fresh"));
    assertThat(fresh.succeeded()).as(fresh.toString()).isTrue();
    assertThat(fresh.installedVersions()).isEqualTo(Map.of("fresh", "1.0"));
    PipResult pinned =
        py.install(URI.create(proxy + "/simple/"), List.of("--only-binary", ":all:", "fresh==2.0"));
    assertThat(pinned.succeeded()).isFalse();
    PipResult evil =
        py.install(URI.create(proxy + "/simple/"), List.of("--only-binary", ":all:", "0requests"));
    assertThat(evil.succeeded()).as(evil.toString()).isFalse();
    assertThat(evil.installedVersions()).doesNotContainKey("0requests");
  }

  @Test
  void check_withoutPolicyOrAdvisories_judgesAsServeDoes() throws Exception {
    // A config only to keep check away from this machine's own ~/.cache/pypi-guard imports.
    Path config = home.resolve("check.yaml");
    Files.writeString(config, "cache-dir: " + home.resolve("check-cache") + "\n");
    var r =
        CliTest.run(
            "check",
            "--config",
            config.toString(),
            "--upstream",
            upstream.uri().toString(),
            "fresh",
            "fresh==2.0",
            "0requests==0.0.1");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "fresh==1.0: ALLOWED",
            "fresh==2.0: BLOCKED",
            "minimum is 7 days",
            "0requests==0.0.1: BLOCKED",
            "MAL-2026-15859");
  }

  @Test
  void export_withoutPolicy_leavesOutWhatTheBuiltInPolicyBlocks(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path cache = dir.resolve("cache");
    // Cached by a server that allowed everything: both releases are in the store.
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive)) {
      h.upstream.publish(WheelBuilder.of("fresh", "1.0").build(), FileOptions.defaults());
      h.upstream.publish(
          WheelBuilder.of("fresh", "2.0").build(),
          FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofHours(1))));
      h.get("/simple/fresh/", "Accept", JSON_V1);
      assertThat(h.get("/files/fresh/fresh-1.0-py3-none-any.whl").statusCode()).isEqualTo(200);
      assertThat(h.get("/files/fresh/fresh-2.0-py3-none-any.whl").statusCode()).isEqualTo(200);
    }
    var r = CliTest.run("export", "--cache-dir", cache.toString(), dir.resolve("out").toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    String manifest = Files.readString(dir.resolve("out").resolve("manifest.json"));
    assertThat(manifest)
        .contains("fresh-1.0-py3-none-any.whl")
        .doesNotContain("fresh-2.0-py3-none-any.whl");
  }

  @Test
  void startLog_listsEachDefence_onOffOrBroken_withWhatTurnsItOn() {
    String out = log.toString();
    assertThat(out)
        .contains("policy: the built-in policy (pypi-guard policy --print-default)")
        .contains(
            "defence release-age: on (files uploaded less than 7d ago are held; no upload time: first-seen)")
        .contains(
            "defence advisories.malicious: on (",
            "bundled OpenSSF malicious-packages snapshot: 10 records",
            "as of 2026-09-04")
        .contains(
            "defence attestations.verify: on (", "defence attestations.publisher-change: on (")
        .contains(
            "defence files.sdists: off (source distributions are served; turn on: files: {sdists: block})");
    // In front of a mirror that is not pypi.org there is no vulnerability data: loud, at ERROR.
    assertThat(out.lines().filter(l -> l.contains("defence advisories.vulnerable:")))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .contains(
                        "[ERROR]",
                        "BROKEN",
                        "no source has vulnerability records",
                        "fix: --advisories osv-api"));
  }

  @Test
  void healthzStatusPageAndMetrics_showTheSameDefences() throws Exception {
    String health = get("/healthz").body();
    assertThat(health.lines().findFirst()).hasValue("ok");
    assertThat(health)
        .contains("defence release-age: on (", "defence advisories.vulnerable: BROKEN (");
    String text = get("/").body();
    assertThat(text)
        .contains(
            "defence release-age: on (",
            "defence advisories.vulnerable: BROKEN (",
            "defence files.sdists: off (");
    String html = get("/", "Accept", "text/html").body();
    assertThat(html)
        .contains(
            "id=\"defences\"",
            "data-defence=\"advisories.vulnerable\"",
            "<td class=\"state broken\">BROKEN</td>",
            "<td class=\"state on\">on</td>");
    String metrics = get("/metrics").body();
    assertThat(metrics)
        .contains(
            "pypiguard_defence{defence=\"release-age\",state=\"on\"} 1.0",
            "pypiguard_defence{defence=\"release-age\",state=\"off\"} 0.0",
            "pypiguard_defence{defence=\"advisories.vulnerable\",state=\"broken\"} 1.0",
            "pypiguard_defence{defence=\"files.sdists\",state=\"off\"} 1.0");
  }
}
