package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17: inspection and look-alike names through the server, explained, audited, cleared. */
class InspectionServerIT {
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  Path policy;
  Harness h;

  Harness start(String yaml) throws Exception {
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, yaml);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
    return h;
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  static Artifact evil(String name, String version) {
    return WheelBuilder.of(name, version)
        .file(
            "zz_" + name + ".pth",
            "import base64;exec(base64.b64decode('cHJpbnQoMSk='))\n"
                .getBytes(StandardCharsets.UTF_8))
        .build();
  }

  JsonNode explain(String project) throws Exception {
    return MAPPER.readTree(h.get("/-/explain/" + project).body());
  }

  @Test
  void coldFileWithPthExec_is403BeforeAnyByte_thenExplainedAuditedAndCounted() throws Exception {
    start("inspection: {}\n");
    Artifact bad = evil("alpha", "1.0");
    Artifact good = WheelBuilder.of("alpha", "0.9").build();
    h.upstream.publish(bad).publish(good);
    var r = h.get("/files/alpha/" + bad.filename());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r)).contains("403 Blocked by policy: pth-exec: zz_alpha.pth: line 1");
    assertThat(h.get("/files/alpha/" + good.filename()).statusCode()).isEqualTo(200);
    // Cached now: the page hides it and a second download is refused from the stored findings.
    assertThat(text(h.get("/simple/alpha/")))
        .contains(good.filename())
        .doesNotContain(bad.filename());
    assertThat(h.get("/files/alpha/" + bad.filename()).statusCode()).isEqualTo(403);
    JsonNode e = explain("alpha");
    JsonNode badFile = null;
    for (JsonNode f : e.path("files")) {
      if (f.path("filename").asText().equals(bad.filename())) {
        badFile = f;
      }
    }
    assertThat(badFile.path("decision").asText()).isEqualTo("block");
    assertThat(badFile.path("reasons").get(0).path("rule").asText()).isEqualTo("pth-exec");
    assertThat(badFile.path("inspection").path("findings").get(0).path("path").asText())
        .isEqualTo("zz_alpha.pth");
    String audit = Files.readString(dir.resolve("cache/audit.log"));
    assertThat(audit).contains("\"rule\":\"pth-exec\"").contains(bad.sha256());
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_inspection_findings_total{rule=\"pth-exec\",severity=\"high\"}")
        .contains("pypiguard_policy_decisions_total{outcome=\"block\",rule=\"pth-exec\"}");
    assertThat(text(h.get("/")))
        .contains("finding " + bad.filename() + ": pth-exec (high) in zz_alpha.pth");
    assertThat(text(h.get("/", "Accept", "text/html")))
        .contains("Recent findings")
        .contains("pth-exec (high)");
    // Stored where replicas read them.
    assertThat(
            Files.exists(
                dir.resolve("cache/inspections")
                    .resolve(bad.sha256().substring(0, 2))
                    .resolve(bad.sha256() + ".json")))
        .isTrue();
  }

  @Test
  void hold_isClearedByTheAdminApi_withAnExceptionEntryAndAnAuditLine() throws Exception {
    start("inspection:\n  rules: {pth-exec: hold}\n");
    Artifact bad = evil("alpha", "1.0");
    h.upstream.publish(bad);
    var r = h.get("/files/alpha/" + bad.filename());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .contains("held for review")
        .contains("/-/admin/held/" + bad.sha256() + "/clear");
    JsonNode held = MAPPER.readTree(h.get("/-/admin/held").body());
    assertThat(held.path("held").get(0).path("sha256").asText()).isEqualTo(bad.sha256());
    assertThat(held.path("held").get(0).path("file").asText()).isEqualTo(bad.filename());
    var cleared = h.send("POST", "/-/admin/held/" + bad.sha256() + "/clear?reason=TICKET-7");
    assertThat(cleared.statusCode()).isEqualTo(200);
    JsonNode c = MAPPER.readTree(cleared.body());
    assertThat(c.path("exception").asText())
        .contains("project: alpha", "versions: \"==1.0\"", "TICKET-7");
    assertThat(Files.readString(dir.resolve("cache/inspections/exceptions.yaml")))
        .contains("exceptions:", bad.sha256());
    var after = h.get("/files/alpha/" + bad.filename());
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(MAPPER.readTree(h.get("/-/admin/held").body()).path("held")).isEmpty();
    assertThat(Files.readString(dir.resolve("cache/audit.log")))
        .contains("\"action\":\"clear-held\"");
    assertThat(h.send("POST", "/-/admin/held/" + "0".repeat(64) + "/clear").statusCode())
        .isEqualTo(404);
  }

  @Test
  void lookalikeProject_isHeldNamingThePopularOne() throws Exception {
    start("lookalikes: {action: hold}\n");
    Artifact squat = WheelBuilder.of("reqeusts", "1.0").build();
    h.upstream.publish(squat);
    var r = h.get("/files/reqeusts/" + squat.filename());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r)).contains("lookalike").contains("\"requests\"").contains("held for review");
    assertThat(h.upstream.requests("/files/" + squat.filename())).isZero();
  }

  @Test
  void fileCachedBeforeInspection_isServedAtOnce_thenInspectedInTheBackground() throws Exception {
    start("mode: enforce\n");
    Artifact bad = evil("alpha", "1.0");
    h.upstream.publish(bad);
    assertThat(h.get("/files/alpha/" + bad.filename()).statusCode()).isEqualTo(200);
    Files.writeString(policy, "inspection: {}\n");
    h.restart();
    // Inspected after start, in the background; until then the hit is served, never delayed.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline) {
      status = h.get("/files/alpha/" + bad.filename()).statusCode();
      if (status == 403) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(status).isEqualTo(403);
    assertThat(h.upstream.requests("/files/" + bad.filename())).isEqualTo(1);
  }

  /**
   * A metadata-less wheel from an upstream that refuses ranges is downloaded whole for its METADATA
   * (pip asks for .metadata first): it is inspected before it is judged again, so it is blocked
   * there and never passes for a cached hit at /files/ afterwards.
   */
  @Test
  void wheelDownloadedForItsMetadata_isInspectedBeforeAnyByteOfIt() throws Exception {
    start("inspection: {}\n");
    Artifact bad = evil("alpha", "1.0");
    h.upstream.publish(bad, dev.pypiguard.testing.FileOptions.defaults().withCoreMetadata(false));
    var meta = h.get("/files/alpha/" + bad.filename() + ".metadata");
    assertThat(meta.statusCode()).isEqualTo(403);
    assertThat(text(meta)).contains("pth-exec");
    var file = h.get("/files/alpha/" + bad.filename());
    assertThat(file.statusCode()).isEqualTo(403);
    assertThat(text(file)).contains("pth-exec");
  }

  /**
   * Issue 13, one judgement path: export judges with serve's rules (JudgeRules), so a file cached
   * before inspection was on, which serve then blocks by its finding, and a look-alike name serve
   * holds, are both left out of the mirror.
   */
  @Test
  void export_leavesOutWhatServeBlocksByInspectionOrHoldsAsALookalike() throws Exception {
    start("mode: enforce\n");
    Artifact bad = evil("alpha", "1.0");
    Artifact good = WheelBuilder.of("alpha", "0.9").build();
    Artifact squat = WheelBuilder.of("reqeusts", "1.0").build();
    h.upstream.publish(bad).publish(good).publish(squat);
    for (String f :
        new String[] {
          "alpha/" + bad.filename(), "alpha/" + good.filename(), "reqeusts/" + squat.filename()
        }) {
      assertThat(h.get("/files/" + f).statusCode()).as(f).isEqualTo(200);
    }
    String strict = "inspection: {}\nlookalikes: {action: hold}\n";
    Path strictPolicy = dir.resolve("strict.yaml");
    Files.writeString(strictPolicy, strict);
    Path out = dir.resolve("export");
    assertThat(
            dev.pypiguard.server.cli.Main.run(
                "export",
                "--cache-dir",
                dir.resolve("cache").toString(),
                "--policy",
                strictPolicy.toString(),
                out.toString()))
        .isZero();
    String manifest = Files.readString(out.resolve("manifest.json"));
    assertThat(manifest)
        .contains(good.filename())
        .doesNotContain(bad.filename())
        .doesNotContain(squat.filename());
    assertThat(out.resolve("simple/reqeusts/index.json")).doesNotExist();

    // serve, with the same policy, blocks the one (once inspected) and holds the other
    Files.writeString(policy, strict);
    h.restart();
    var held = h.get("/files/reqeusts/" + squat.filename());
    assertThat(held.statusCode()).isEqualTo(403);
    assertThat(text(held)).contains("held for review");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline && status != 403) {
      status = h.get("/files/alpha/" + bad.filename()).statusCode();
      Thread.sleep(status == 403 ? 0 : 100);
    }
    assertThat(status).isEqualTo(403);
    assertThat(h.get("/files/alpha/" + good.filename()).statusCode()).isEqualTo(200);
  }

  @Test
  void checkFile_localAndUrl_printsFindingsAndExitsByDecision() throws Exception {
    start("mode: enforce\n");
    Artifact bad = evil("alpha", "1.0");
    Artifact good = WheelBuilder.of("alpha", "0.9").build();
    Path local = dir.resolve(good.filename());
    Files.write(local, good.bytes());
    h.upstream.publish(bad);
    // No inspection section: check uses the recommended rules (high blocks).
    var ok = CliTest.run("check", "--policy", policy.toString(), "--file", local.toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains(good.filename(), "wheel", "ALLOWED");
    var blocked =
        CliTest.run(
            "check",
            "--policy",
            policy.toString(),
            "--file",
            h.upstream.fileUri(bad.filename()).toString());
    assertThat(blocked.code()).isEqualTo(1);
    assertThat(blocked.out())
        .contains("BLOCKED", "finding pth-exec (high) in zz_alpha.pth", "-> block");
    var missing = CliTest.run("check", "--file", dir.resolve("nope.whl").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("--file:").contains("is not a readable file");
  }

  @Test
  void pip_installOfAWheelWithPthExec_failsBeforeInstallingAnything_thenGetsTheCleanRelease()
      throws Exception {
    dev.pypiguard.testing.PythonEnv.assumePython3();
    start("inspection: {}\n");
    h.upstream.publish(WheelBuilder.of("alpha", "1.0").build()).publish(evil("alpha", "2.0"));
    var pinned =
        dev.pypiguard.testing.PythonEnv.shared()
            .install(h.index(), java.util.List.of("--only-binary", ":all:", "alpha==2.0"));
    assertThat(pinned.succeeded()).isFalse();
    assertThat(pinned.output()).contains("403");
    try (var files = Files.walk(pinned.target())) {
      assertThat(files.map(Path::toString).filter(n -> n.endsWith(".pth"))).isEmpty();
    }
    // The inspected file is now hidden from the page: pip picks the clean release.
    var latest =
        dev.pypiguard.testing.PythonEnv.shared()
            .install(h.index(), java.util.List.of("--only-binary", ":all:", "alpha"));
    assertThat(latest.succeeded()).as(latest.toString()).isTrue();
    assertThat(latest.installedVersions()).isEqualTo(java.util.Map.of("alpha", "1.0"));
  }
}
