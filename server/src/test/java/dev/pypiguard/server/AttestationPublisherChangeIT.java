package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestSigstore;
import dev.pypiguard.testing.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attestations: publisher-change: block} through the server, over two releases of one
 * project attested by different GitHub publishers. No real fixture has that, so the provenance is
 * signed by a {@link TestSigstore} whose trusted root the policy names ({@code trusted-root}).
 */
class AttestationPublisherChangeIT {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/vnd.pypi.simple.v1+json";
  static final TestSigstore.Publisher ONE =
      TestSigstore.Publisher.github("owner/one", "release.yml");
  static final TestSigstore.Publisher TWO =
      TestSigstore.Publisher.github("other/two", "release.yml");
  static final String OLD = "proj-1.0.tar.gz";
  static final String NEW = "proj-1.1.tar.gz";
  static final String NEW_WHEEL = "proj-1.1-py3-none-any.whl";
  static final String POLICY =
      "attestations:\n  verify: true\n  publisher-change: block\n  trusted-root: trusted_root.json\n";

  /** When 1.0 was uploaded; 1.1 comes a day later (issue 13: upload order sets the reference). */
  static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");

  static final String REASON =
      "attestations: release 1.1 is attested by other/two@release.yml, but files of proj"
          + " uploaded since 2026-10-01T00:00:00Z (release 1.0) are attested by owner/one@release.yml"
          + " (publisher-change: block)";

  @TempDir Path dir;
  TestSigstore sigstore;
  Path policy;
  Harness h;

  @BeforeEach
  void sigstore() throws Exception {
    sigstore = TestSigstore.create();
    sigstore.writeTrustedRoot(dir.resolve("trusted_root.json"));
    policy = dir.resolve("policies.yaml");
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  void start(String policyYaml, Duration pageTtl) throws Exception {
    Files.writeString(policy, policyYaml);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)).withPageTtl(pageTtl));
  }

  void publish(String filename, TestSigstore.Publisher publisher) {
    Artifact a = Artifact.ofBytes(filename, ("dist " + filename).getBytes(StandardCharsets.UTF_8));
    h.upstream.publish(
        a,
        FileOptions.defaults()
            .withProvenance(sigstore.provenance(a.filename(), a.sha256(), publisher))
            .withUploadTime(filename.equals(OLD) ? T0 : T0.plus(Duration.ofDays(1))));
  }

  String files() throws Exception {
    return MAPPER.readTree(h.get("/simple/proj/", "Accept", JSON).body()).path("files").toString();
  }

  @Test
  void newerReleaseByAnotherPublisher_blocked_untilAnException() throws Exception {
    start(POLICY, Duration.ofMinutes(10));
    publish(OLD, ONE);
    publish(NEW, TWO);
    publish(NEW_WHEEL, TWO);

    assertThat(files()).contains(OLD).doesNotContain(NEW).doesNotContain(NEW_WHEEL);
    var old = h.get("/files/proj/" + OLD);
    assertThat(old.statusCode()).isEqualTo(200);
    assertThat(text(old)).isEqualTo("dist " + OLD);
    var blocked = h.get("/files/proj/" + NEW);
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(text(blocked))
        .startsWith("403 Blocked by policy: " + REASON + "; see ")
        .endsWith("/-/explain/proj\n");
    var blockedWheel = h.get("/files/proj/" + NEW_WHEEL);
    assertThat(blockedWheel.statusCode()).isEqualTo(403);
    assertThat(text(blockedWheel))
        .startsWith("403 Blocked by policy: " + REASON + "; see ")
        .endsWith("/-/explain/proj\n");
    assertThat(h.get("/-/explain/proj").body())
        .asString(StandardCharsets.UTF_8)
        .contains(REASON.substring("attestations: ".length()));
    // The first publisher is the one remembered, from the release it first verified.
    assertThat(Files.readString(dir.resolve("cache/provenance/publishers.tsv")))
        .startsWith("proj\t1.0\tGitHub:owner/one:release.yml");

    Files.writeString(
        policy,
        POLICY
            + "exceptions:\n  - {project: proj, versions: \"==1.1\", until: 2099-01-01,"
            + " reason: \"T-9 moved to other/two\", date: 2099-01-01}\n");
    h.proxy.policy().reloadIfChanged();
    assertThat(files()).contains(OLD).contains(NEW).contains(NEW_WHEEL);
    assertThat(h.get("/files/proj/" + NEW_WHEEL).statusCode()).isEqualTo(200);
    var allowed = h.get("/files/proj/" + NEW);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(text(allowed)).isEqualTo("dist " + NEW);
  }

  @Test
  void newerReleaseListedFirst_stillBlocked_regressionForPageOrderBypass() throws Exception {
    // The upstream lists 1.1 (other/two) before 1.0 (owner/one): the earliest verified release,
    // not the first one listed, must set the remembered publisher.
    start(POLICY, Duration.ofMinutes(10));
    publish(NEW, TWO);
    publish(OLD, ONE);
    assertThat(files()).contains(OLD).doesNotContain(NEW);
    assertThat(h.get("/files/proj/" + NEW).statusCode()).isEqualTo(403);
    assertThat(Files.readString(dir.resolve("cache/provenance/publishers.tsv")))
        .startsWith("proj\t1.0\tGitHub:owner/one:release.yml");
  }

  @Test
  void releasesOverTime_theLaterPublisherChangeIsBlocked() throws Exception {
    start(POLICY, Duration.ZERO);
    publish(OLD, ONE);
    assertThat(files()).contains(OLD);
    assertThat(h.get("/files/proj/" + OLD).statusCode()).isEqualTo(200);

    publish(NEW, TWO);
    assertThat(files()).contains(OLD).doesNotContain(NEW);
    var blocked = h.get("/files/proj/" + NEW);
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(text(blocked))
        .startsWith("403 Blocked by policy: " + REASON + "; see ")
        .endsWith("/-/explain/proj\n");
  }

  @Test
  void samePublisher_bothServed() throws Exception {
    start(POLICY, Duration.ofMinutes(10));
    publish(OLD, ONE);
    publish(NEW, ONE);

    assertThat(files()).contains(OLD).contains(NEW);
    assertThat(h.get("/files/proj/" + NEW).statusCode()).isEqualTo(200);
  }

  @Test
  void withoutTheTestRoot_theTestProvenanceFailsVerification() throws Exception {
    start("attestations:\n  verify: true\n  publisher-change: block\n", Duration.ofMinutes(10));
    publish(OLD, ONE);

    var r = h.get("/files/proj/" + OLD);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .startsWith(
            "403 Blocked by policy: attestations: provenance failed verification: transparency log ");
    assertThat(files()).doesNotContain(OLD);
  }
}
