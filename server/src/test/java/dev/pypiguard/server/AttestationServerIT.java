package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEP 740 attestations as policy through the server, over the real pypi-attestations 0.0.19 sdist
 * and its real Integrity API provenance (fixtures of the policy module, see SOURCES.md).
 */
class AttestationServerIT {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/vnd.pypi.simple.v1+json";
  static final Path FIXTURES = dev.pypiguard.policy.testing.Fixtures.directory("attestations");
  static final String SDIST = "pypi_attestations-0.0.19.tar.gz";
  static final String FILE_URL = "/files/pypi-attestations/" + SDIST;
  static final String INTEGRITY = "/integrity/pypi-attestations/0.0.19/" + SDIST + "/provenance";
  static final String REQUIRE =
      "attestations:\n  require:\n    - project: pypi-attestations\n"
          + "      publisher: {kind: GitHub, repository: %s, workflow: release.yml}\n";

  @TempDir Path dir;
  Harness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  void start(String policyYaml) throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, policyYaml);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
  }

  static byte[] fixture(String name) throws Exception {
    return Files.readAllBytes(FIXTURES.resolve(name));
  }

  void publishAttested(String provenanceFixture) throws Exception {
    h.upstream.publish(
        Artifact.ofBytes(SDIST, fixture(SDIST)),
        FileOptions.defaults()
            .withProvenance(new String(fixture(provenanceFixture), StandardCharsets.UTF_8))
            .withUploadTime(T0));
  }

  static final java.time.Instant T0 = java.time.Instant.parse("2026-10-01T00:00:00Z");

  String files() throws Exception {
    return MAPPER
        .readTree(h.get("/simple/pypi-attestations/", "Accept", JSON).body())
        .path("files")
        .toString();
  }

  String explainMessages() throws Exception {
    JsonNode explain = MAPPER.readTree(h.get("/-/explain/pypi-attestations").body());
    return explain.toString();
  }

  @Test
  void requiredPublisher_matches_fileAndProvenanceServed() throws Exception {
    start(REQUIRE.formatted("trailofbits/pypi-attestations"));
    publishAttested(SDIST + ".provenance");

    assertThat(files()).contains(SDIST).contains(INTEGRITY);
    var file = h.get(FILE_URL);
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.body()).isEqualTo(fixture(SDIST));
    var provenance = h.get(INTEGRITY);
    assertThat(provenance.statusCode()).isEqualTo(200);
    assertThat(MAPPER.readTree(provenance.body()))
        .isEqualTo(MAPPER.readTree(fixture(SDIST + ".provenance")));
    // Verified once and persisted, keyed by the file's hash and the trusted root.
    try (var found = Files.walk(dir.resolve("cache/provenance"))) {
      assertThat(found.map(Path::toString).filter(p -> p.endsWith(".production.verdict")).count())
          .isEqualTo(1);
    }
    assertThat(Harness.text(h.get("/metrics")))
        .contains("pypiguard_attestations_verifications_total{outcome=\"verified\"} 1.0");

    // A restart reads the verdict back: the provenance is neither fetched nor verified again.
    h.restart();
    assertThat(h.get(FILE_URL).statusCode()).isEqualTo(200);
    assertThat(h.upstream.requests(INTEGRITY)).isEqualTo(1);
  }

  @Test
  void verify_slowProvenance_blockedAsNotVerifiedYetThenServed() throws Exception {
    start("attestations:\n  verify: true\n");
    publishAttested(SDIST + ".provenance");
    h.upstream.delay("/integrity/", java.time.Duration.ofSeconds(12));

    // The page waits 5 s for the verdict, the download 5 s more; neither gets it in time.
    assertThat(files()).doesNotContain(SDIST);
    // Issue 13: held, never served on a guess nor refused for good: 503 with Retry-After.
    var r = h.get(FILE_URL);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).contains("5");
    assertThat(text(r))
        .isEqualTo(
            "503 Held by policy until an awaited answer arrives: attestations: provenance not verified yet\n");
    // When the verdict arrives the page is judged again (the rule's fingerprint changed).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!files().contains(SDIST) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(files()).contains(SDIST);
    assertThat(h.get(FILE_URL).statusCode()).isEqualTo(200);
  }

  @Test
  void requiredPublisher_other_blockedWithExactReason() throws Exception {
    start(REQUIRE.formatted("other/repo"));
    publishAttested(SDIST + ".provenance");
    String reason =
        "attestations: provenance publisher trailofbits/pypi-attestations@release.yml"
            + " does not match required other/repo@release.yml";

    var r = h.get(FILE_URL);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .startsWith("403 Blocked by policy: " + reason + "; see ")
        .endsWith("/-/explain/pypi-attestations\n");
    assertThat(files()).doesNotContain(SDIST);
    assertThat(explainMessages())
        .contains(
            "provenance publisher trailofbits/pypi-attestations@release.yml does not match required other/repo@release.yml");
  }

  @Test
  void check_agreesWithServer_onTheRequiredPublisher() throws Exception {
    start(REQUIRE.formatted("other/repo"));
    publishAttested(SDIST + ".provenance");
    String policy = dir.resolve("policies.yaml").toString();

    var blocked =
        CliTest.run(
            "check",
            "--policy",
            policy,
            "--upstream",
            h.upstream.uri().toString(),
            "pypi-attestations==0.0.19");
    assertThat(blocked.code()).as(blocked.out() + blocked.err()).isEqualTo(1);
    assertThat(blocked.out())
        .contains("pypi-attestations==0.0.19: BLOCKED")
        .contains(
            "provenance publisher trailofbits/pypi-attestations@release.yml does not match required other/repo@release.yml");
    Files.writeString(
        dir.resolve("policies.yaml"), REQUIRE.formatted("trailofbits/pypi-attestations"));
    var allowed =
        CliTest.run(
            "check",
            "--policy",
            policy,
            "--upstream",
            h.upstream.uri().toString(),
            "pypi-attestations==0.0.19");
    assertThat(allowed.code()).as(allowed.out() + allowed.err()).isZero();
  }

  @Test
  void verify_provenanceOfAnotherRepository_blocked() throws Exception {
    start("attestations:\n  verify: true\n");
    publishAttested("negative/" + SDIST + ".wrong-repository.provenance");

    var r = h.get(FILE_URL);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .startsWith("403 Blocked by policy: attestations: provenance failed verification: ");
    assertThat(files()).doesNotContain(SDIST);
  }

  @Test
  void trustedRoot_besideThePolicy_replacesTheBundledRoot() throws Exception {
    // The staging root did not sign this production attestation: its chain does not build.
    Files.copy(FIXTURES.resolve("trusted_root.staging.json"), dir.resolve("staging.json"));
    start("attestations:\n  verify: true\n  trusted-root: staging.json\n");
    publishAttested(SDIST + ".provenance");

    var r = h.get(FILE_URL);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r)).contains("provenance failed verification");
  }

  @Test
  void verify_bytesNotTheAttestedOnes_blocked() throws Exception {
    start("attestations:\n  verify: true\n");
    byte[] other = "not the attested sdist".getBytes(StandardCharsets.UTF_8);
    h.upstream.publish(
        Artifact.ofBytes(SDIST, other),
        FileOptions.defaults()
            .withProvenance(new String(fixture(SDIST + ".provenance"), StandardCharsets.UTF_8)));

    var r = h.get(FILE_URL);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r)).contains("provenance failed verification");
  }

  @Test
  void publisherChange_lostAttestation_blockedUnlessException() throws Exception {
    start("attestations:\n  publisher-change: block\n");
    publishAttested(SDIST + ".provenance");
    h.upstream.publish(
        Artifact.ofBytes(
            "pypi_attestations-0.0.20.tar.gz",
            "a fabricated 0.0.20 without provenance".getBytes(StandardCharsets.UTF_8)),
        FileOptions.defaults().withUploadTime(T0.plusSeconds(86_400)));

    assertThat(files()).contains(SDIST).doesNotContain("pypi_attestations-0.0.20.tar.gz");
    var r = h.get("/files/pypi-attestations/pypi_attestations-0.0.20.tar.gz");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r))
        .isEqualTo(
            "403 Blocked by policy: attestations: release 0.0.20 has lost its"
                + " attestation (it has no provenance), but files of pypi-attestations uploaded since"
                + " 2026-10-01T00:00:00Z (release 0.0.19) are attested by trailofbits/pypi-attestations@release.yml; see "
                + h.proxy.uri()
                + "/-/explain/pypi-attestations\n");
    assertThat(h.get(FILE_URL).statusCode()).isEqualTo(200);

    // The memory outlives the process, and an exception naming the release lifts the block.
    Files.writeString(
        dir.resolve("policies.yaml"),
        "attestations:\n  publisher-change: block\n"
            + "exceptions:\n  - {project: pypi-attestations, versions: \"==0.0.20\", until: 2099-01-01,"
            + " reason: \"T-7 moved to a new publisher\", date: 2099-01-01}\n");
    h.restart();
    assertThat(files()).contains("pypi_attestations-0.0.20.tar.gz");
    assertThat(h.get("/files/pypi-attestations/pypi_attestations-0.0.20.tar.gz").statusCode())
        .isEqualTo(200);
    assertThat(Files.readString(dir.resolve("cache/provenance/publishers.tsv")))
        .startsWith("pypi-attestations\t0.0.19\tGitHub:trailofbits/pypi-attestations:release.yml");
  }
}
