package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy through the server: pages, downloads, explain, check, audit mode, reloads (issue 3).
 */
class PolicyServerIT {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/vnd.pypi.simple.v1+json";

  @TempDir Path dir;
  Path policy;
  Harness h;
  Artifact old;
  Artifact fresh;

  @BeforeEach
  void start() throws Exception {
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "release-age:\n  minimum: 7d\n");
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(java.util.Optional.of(policy)));
    old = WheelBuilder.of("alpha", "1.0").build();
    fresh = WheelBuilder.of("alpha", "2.0").build();
    h.upstream.publish(
        old, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));
    h.upstream.publish(
        fresh,
        FileOptions.defaults()
            .withUploadTime(Instant.now().minus(Duration.ofDays(2).plusHours(1))));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  JsonNode page() throws Exception {
    return MAPPER.readTree(h.get("/simple/alpha/", "Accept", JSON).body());
  }

  @Test
  void cooldown_hidesFreshFileFromBothFormats_andListsItWithReasons() throws Exception {
    JsonNode page = page();
    assertThat(page.path("files").toString())
        .contains(old.filename())
        .doesNotContain(fresh.filename());
    JsonNode removed = page.path("_pypi-guard").path("removed");
    assertThat(removed.toString())
        .contains(fresh.filename())
        .contains("release-age")
        .contains("uploaded 2 days ago, minimum is 7 days");
    assertThat(text(h.get("/simple/alpha/")))
        .contains(old.filename())
        .doesNotContain(fresh.filename());
  }

  @Test
  void cooldown_directDownload_is403WithRuleInPhraseAndBody() {
    var r = h.get("/files/alpha/" + fresh.filename());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .contains("403 Blocked by policy: release-age: uploaded 2 days ago, minimum is 7 days");
    assertThat(h.upstream.requests("/files/" + fresh.filename())).isZero();
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
  }

  @Test
  void explain_listsEveryFileWithDecision() throws Exception {
    JsonNode e = MAPPER.readTree(h.get("/-/explain/alpha").body());
    assertThat(e.path("files")).hasSize(2);
    for (JsonNode f : e.path("files")) {
      if (f.path("filename").asText().equals(fresh.filename())) {
        assertThat(f.path("decision").asText()).isEqualTo("block");
        assertThat(f.path("version").asText()).isEqualTo("2.0");
        assertThat(f.path("reasons").get(0).path("rule").asText()).isEqualTo("release-age");
      } else {
        assertThat(f.path("decision").asText()).isEqualTo("allow");
      }
    }
    assertThat(h.get("/-/explain/no-such").statusCode()).isEqualTo(404);
  }

  @Test
  void blockedDecisions_areWrittenToTheAuditLogAndCounted() throws Exception {
    h.get("/files/alpha/" + fresh.filename());
    Path log = dir.resolve("cache").resolve("audit.log");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!(Files.exists(log) && Files.readString(log).contains(fresh.filename()))
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    JsonNode line = MAPPER.readTree(Files.readAllLines(log).get(0));
    assertThat(line.path("file").asText()).isEqualTo(fresh.filename());
    assertThat(line.path("sha256").asText()).isEqualTo(fresh.sha256());
    assertThat(line.path("rule").asText()).isEqualTo("release-age");
    assertThat(line.path("decision").asText()).isEqualTo("block");
    assertThat(line.path("policy").asText()).startsWith("policy-");
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_policy_decisions_total{outcome=\"block\",rule=\"release-age\"}");
  }

  @Test
  void reload_changedPolicyAppliesToCachedPage_invalidOneKeepsLastGood() throws Exception {
    assertThat(page().path("files").toString()).doesNotContain(fresh.filename());
    Files.writeString(policy, "versions:\n  deny:\n    alpha: \"<2\"\n");
    assertThat(h.proxy.policy().reloadIfChanged()).isTrue();
    String files = page().path("files").toString();
    assertThat(files).contains(fresh.filename()).doesNotContain(old.filename());

    Files.writeString(policy, "versions:\n  deny:\n    alpha: \"<<2\"\n");
    assertThat(h.proxy.policy().reloadIfChanged()).isFalse();
    assertThat(page().path("files").toString())
        .contains(fresh.filename())
        .doesNotContain(old.filename());
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_policy_reloads_total{outcome=\"invalid\"} 1.0");
  }

  @Test
  void reload_happensByItselfWithinSeconds() throws Exception {
    Files.writeString(policy, "mode: audit\nrelease-age:\n  minimum: 7d\n");
    // The file is polled every 2 s (README): one poll plus slack for a loaded machine.
    long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (!page().path("files").toString().contains(fresh.filename())
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(page().path("files").toString()).contains(fresh.filename());
  }

  @Test
  void auditMode_servesEverythingButRecordsWouldBlock() throws Exception {
    Files.writeString(policy, "mode: audit\nrelease-age:\n  minimum: 7d\n");
    h.proxy.policy().reloadIfChanged();
    JsonNode page = page();
    assertThat(page.path("files").toString()).contains(fresh.filename());
    assertThat(page.path("_pypi-guard").path("audit").toString()).contains("release-age");
    assertThat(h.get("/files/alpha/" + fresh.filename()).statusCode()).isEqualTo(200);
    Path log = dir.resolve("cache").resolve("audit.log");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!(Files.exists(log) && Files.readString(log).contains("would-block"))
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(Files.readString(log)).contains("would-block");
  }

  @Test
  void deniedProject_doesNotExist() throws Exception {
    Files.writeString(policy, "projects:\n  deny: [\"alp*\"]\n");
    h.proxy.policy().reloadIfChanged();
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(404);
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(403);
    assertThat(text(h.get("/simple/"))).doesNotContain("alpha");
  }

  @Test
  void invalidPolicyAtStart_isRefusedWithFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "release-age:\n  minimum: -3d\n");
    var r =
        CliTest.run(
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--cache-dir",
            dir.resolve("c2").toString(),
            "--upstream",
            h.upstream.uri().toString(),
            "--policy",
            bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(bad + ":2: release-age.minimum");
  }

  @Test
  void check_agreesWithServer_exitCodes() {
    var blocked =
        CliTest.run(
            "check",
            "--policy",
            policy.toString(),
            "--upstream",
            h.upstream.uri().toString(),
            "alpha==2.0");
    assertThat(blocked.code()).as(blocked.out() + blocked.err()).isEqualTo(1);
    assertThat(blocked.out())
        .contains("alpha==2.0: BLOCKED")
        .contains("release-age: uploaded 2 days ago");
    var allowed =
        CliTest.run(
            "check",
            "--policy",
            policy.toString(),
            "--upstream",
            h.upstream.uri().toString(),
            "alpha==1.0",
            "alpha");
    assertThat(allowed.code()).as(allowed.out() + allowed.err()).isZero();
    assertThat(allowed.out()).contains("alpha==1.0: ALLOWED");
    var missing = CliTest.run("check", "--upstream", h.upstream.uri().toString(), "nope");
    assertThat(missing.code()).isEqualTo(1);
  }

  @Test
  void check_badInputOrUnreachableUpstream_exitsTwoWithOneLine() throws Exception {
    int closed;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    var down =
        CliTest.run("check", "--upstream", "http://127.0.0.1:" + closed + "/simple/", "alpha");
    assertThat(down.code()).as(down.out() + down.err()).isEqualTo(2);
    assertThat(down.err())
        .contains("upstream pypi")
        .contains("connection refused")
        .doesNotContain("\tat ");
    var noPolicy =
        CliTest.run(
            "check",
            "--policy",
            h.cacheDir.resolve("missing.yaml").toString(),
            "--upstream",
            h.upstream.uri().toString(),
            "alpha");
    assertThat(noPolicy.code()).isEqualTo(2);
    assertThat(noPolicy.err()).contains("missing.yaml: no such file");
  }

  @Test
  void pip_installsNewestAllowed_andPinnedBlockedFailsClearly() {
    PythonEnv.assumePython3();
    PipResult r = PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha"));
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0"));
    PipResult pinned =
        PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha==2.0"));
    assertThat(pinned.succeeded()).isFalse();
    assertThat(pinned.output()).contains("No matching distribution found for alpha==2.0");
  }

  // ---- the cached-page fast path (issue 15, README "Speed"): a page answered from its cached
  // rendering on the event loop is the answer the rendering sent, and follows the policy and
  // the audit log as before.

  static final List<String> REPLY_HEADERS =
      List.of(
          "content-type",
          "content-encoding",
          "content-length",
          "etag",
          "vary",
          "cache-control",
          "server");

  @Test
  void hit_isTheRenderingsAnswer_inEveryFormatAndCoding() throws Exception {
    for (String[] headers :
        List.of(
            new String[] {"Accept", JSON},
            new String[] {"Accept", "text/html"},
            new String[] {"Accept", JSON, "Accept-Encoding", "gzip"},
            new String[] {"Accept-Encoding", "gzip;q=1, br"})) {
      HttpResponse<byte[]> first = h.get("/simple/alpha/", headers);
      assertThat(first.statusCode()).isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        HttpResponse<byte[]> hit = h.get("/simple/alpha/", headers);
        assertThat(hit.statusCode()).isEqualTo(200);
        assertThat(hit.body()).isEqualTo(first.body());
        for (String name : REPLY_HEADERS) {
          assertThat(hit.headers().allValues(name))
              .as(name + " of " + String.join(" ", headers))
              .isEqualTo(first.headers().allValues(name));
        }
      }
      boolean gzip = String.join(" ", headers).contains("gzip");
      assertThat(first.headers().firstValue("content-encoding"))
          .isEqualTo(gzip ? java.util.Optional.of("gzip") : java.util.Optional.empty());
      String body =
          new String(
              gzip ? gunzip(first.body()) : first.body(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(body)
          .contains("/files/alpha/" + old.filename())
          .doesNotContain("/files/alpha/" + fresh.filename());
    }
  }

  @Test
  void afterHits_conditionalAndHeadRequestsAreStillAnswered() {
    HttpResponse<byte[]> first = h.get("/simple/alpha/", "Accept", JSON);
    h.get("/simple/alpha/", "Accept", JSON);
    String etag = first.headers().firstValue("etag").orElseThrow();
    assertThat(h.get("/simple/alpha/", "Accept", JSON, "If-None-Match", etag).statusCode())
        .isEqualTo(304);
    HttpResponse<byte[]> head = h.send("HEAD", "/simple/alpha/", "Accept", JSON);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("etag")).contains(etag);
  }

  @Test
  void afterHits_aChangedPolicyIsANewRendering() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(text(h.get("/simple/alpha/", "Accept", JSON))).contains(old.filename());
    }
    Files.writeString(policy, "versions:\n  deny:\n    alpha: \"<2\"\n");
    assertThat(h.proxy.policy().reloadIfChanged()).isTrue();
    for (int i = 0; i < 2; i++) {
      String page = text(h.get("/simple/alpha/", "Accept", JSON));
      assertThat(page)
          .contains("/files/alpha/" + fresh.filename())
          .doesNotContain("/files/alpha/" + old.filename());
    }
  }

  @Test
  void everyHit_isCountedInTheAuditLog() throws Exception {
    for (int i = 0; i < 4; i++) {
      assertThat(h.get("/simple/alpha/", "Accept", JSON).statusCode()).isEqualTo(200);
    }
    // Issue 15: the first serving is a line, the repeats a count written at the next flush or,
    // as here, at shutdown; together they account for every hit.
    h.proxy.close();
    Path audit = h.cacheDir.resolve("audit.log");
    long served = 0;
    for (String l : Files.readAllLines(audit)) {
      JsonNode line = MAPPER.readTree(l);
      if (line.path("file").asText().equals(fresh.filename())) {
        served += line.path("count").asLong();
      }
    }
    assertThat(served).isEqualTo(4);
  }

  private static byte[] gunzip(byte[] body) throws Exception {
    try (var in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }
}
