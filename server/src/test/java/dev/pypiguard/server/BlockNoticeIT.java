package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, "blocks a pip user can understand": with {@code files.blocked: yank}, a file held back
 * by the cooldown stays on the page as yanked, with the rule, the date it lifts and the explain
 * URL, and pip shows that; a 403 says the same; versions whose every file is blocked leave {@code
 * versions} whatever the mode.
 */
class BlockNoticeIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String JSON = "application/vnd.pypi.simple.v1+json";

  @TempDir Path dir;
  private Harness h;
  private Artifact old;
  private Artifact fresh;
  private Instant freshUpload;

  private void start(String policyText) throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, policyText);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
    old = WheelBuilder.of("alpha", "1.0").build();
    fresh = WheelBuilder.of("alpha", "2.0").build();
    freshUpload =
        Instant.now()
            .minus(Duration.ofDays(2).plusHours(1))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    h.upstream.publish(
        old, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));
    h.upstream.publish(fresh, FileOptions.defaults().withUploadTime(freshUpload));
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  private JsonNode page() throws Exception {
    return MAPPER.readTree(h.get("/simple/alpha/", "Accept", JSON).body());
  }

  private String lifts() {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
        .withZone(ZoneOffset.UTC)
        .format(freshUpload.plus(Duration.ofDays(7)));
  }

  @Test
  void yank_blockedFileOnPageAsYankedWithRuleDateAndExplainUrl() throws Exception {
    start("release-age:\n  minimum: 7d\nfiles:\n  blocked: yank\n");

    JsonNode page = page();
    String html = Harness.text(h.get("/simple/alpha/", "Accept", "text/html"));

    JsonNode f = page.path("files").get(1);
    assertThat(f.path("filename").asText()).isEqualTo(fresh.filename());
    String reason = f.path("yanked").asText();
    assertThat(reason)
        .startsWith("blocked by pypi-guard: release-age: uploaded 2 days ago, minimum is 7 days")
        .contains("allowed from " + lifts())
        .endsWith("see " + h.proxy.uri() + "/-/explain/alpha");
    assertThat(html).contains("data-yanked=\"blocked by pypi-guard: release-age");
    // Still blocked: not in versions (update bots), still listed as removed, still 403.
    assertThat(MAPPER.convertValue(page.path("versions"), String[].class)).containsExactly("1.0");
    assertThat(page.path("_pypi-guard").path("removed").toString()).contains(fresh.filename());
    var r = h.get("/files/alpha/" + fresh.filename());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(Harness.text(r))
        .contains("403 Blocked by policy: release-age: uploaded 2 days ago")
        .contains("allowed from " + lifts())
        .contains("/-/explain/alpha");
    assertThat(h.upstream.requests("/files/" + fresh.filename())).isZero();
  }

  @Test
  void hide_default_blockedFileAbsentAndVersionPruned() throws Exception {
    start("release-age:\n  minimum: 7d\n");

    JsonNode page = page();

    assertThat(page.path("files")).hasSize(1);
    assertThat(MAPPER.convertValue(page.path("versions"), String[].class)).containsExactly("1.0");
  }

  @Test
  void yank_advisoryOrOtherSuspicionStaysHidden() throws Exception {
    start("release-age:\n  minimum: 7d\nfiles:\n  blocked: yank\n  sdists: block\n");
    h.upstream.publish(
        dev.pypiguard.testing.SdistBuilder.of("alpha", "1.0").build(),
        FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));

    JsonNode page = page();

    // sdists: block says nothing bad of the file either: shown as yanked with its rule.
    assertThat(page.path("files").toString()).contains("sdists");
    assertThat(page.path("files")).hasSize(3);
  }

  @Test
  void pip_pinnedToBlockedVersion_seesTheReasonTwice() throws Exception {
    PythonEnv.assumePython3();
    start("release-age:\n  minimum: 7d\nfiles:\n  blocked: yank\n");
    PythonEnv py = PythonEnv.shared();

    PipResult pinned = py.install(h.index(), List.of("--only-binary", ":all:", "alpha==2.0"));
    PipResult unpinned = py.install(h.index(), List.of("--only-binary", ":all:", "alpha"));

    assertThat(pinned.succeeded()).isFalse();
    // pip 23.2 selects the yanked candidate, asks for its metadata, and prints the 403's reason
    // phrase: the rule, the date it lifts and where to read more.
    assertThat(pinned.output())
        .contains("403 Client Error: Blocked by policy: release-age: uploaded 2 days ago")
        .contains("allowed from " + lifts())
        .contains("/-/explain/alpha");
    assertThat(unpinned.succeeded()).as(unpinned.toString()).isTrue();
    assertThat(unpinned.installedVersions()).isEqualTo(Map.of("alpha", "1.0"));
  }

  @Test
  void pip_hideMode_pinnedToBlockedVersion_notFound() throws Exception {
    PythonEnv.assumePython3();
    start("release-age:\n  minimum: 7d\n");

    PipResult pinned =
        PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha==2.0"));

    assertThat(pinned.succeeded()).isFalse();
    assertThat(pinned.output()).contains("from versions: 1.0");
  }
}
