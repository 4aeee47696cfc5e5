package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.attestation.ProvenanceVerdicts;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.PublisherMemory;
import dev.pypiguard.policy.attestation.Verification;
import dev.pypiguard.policy.config.PolicyLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AttestationRule} through {@link PolicyJudge}, over a fake verdict source. */
class AttestationRuleTest {
  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  static final Publisher TRAIL =
      new Publisher.GitHub("trailofbits/pypi-attestations", "release.yml", Optional.empty());
  static final Publisher OTHER =
      new Publisher.GitHub("other/repo", "release.yml", Optional.empty());
  static final String REQUIRE_TRAIL =
      "  require:\n    - project: demo\n      publisher: {kind: GitHub, repository: TrailOfBits/pypi-attestations, workflow: release.yml}\n";
  static final String REQUIRE_OTHER =
      "  require:\n    - project: demo\n      publisher: {kind: GitHub, repository: other/repo, workflow: release.yml}\n";

  /** Verdicts set by the test, as a server would after fetching and verifying. */
  static final class FakeVerdicts implements ProvenanceVerdicts {
    final Map<String, Verification> verdicts = new HashMap<>();

    FakeVerdicts put(String sha, Verification v) {
      verdicts.put(sha, v);
      return this;
    }

    @Override
    public Optional<Verification> verdict(dev.pypiguard.core.blob.Sha256 sha256) {
      return Optional.ofNullable(verdicts.get(sha256.hex()));
    }

    @Override
    public String generation() {
      return Integer.toHexString(verdicts.hashCode());
    }
  }

  static String sha(char c) {
    return String.valueOf(c).repeat(64);
  }

  static FileEntry file(String filename, char sha, boolean provenance) {
    return new FileEntry(
        filename,
        "https://files.example/" + filename,
        Map.of("sha256", sha(sha)),
        Optional.empty(),
        Yanked.NO,
        OptionalLong.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        provenance ? Optional.of("https://pypi.example/integrity/" + filename) : Optional.empty(),
        Map.of());
  }

  static ProjectPage page(FileEntry... files) {
    return new ProjectPage(
        "demo", "1.1", Map.of(), List.of(files), Optional.empty(), Optional.empty(), Map.of());
  }

  static PolicyJudge judge(String yaml, ProvenanceVerdicts verdicts, PublisherMemory memory) {
    Policy p = PolicyLoader.parse("policies.yaml", yaml);
    return new PolicyJudge(
        p,
        Clock.fixed(NOW, ZoneOffset.UTC),
        new InMemoryFirstSeen(),
        List.of(new AttestationRule(p.attestations(), verdicts, memory)));
  }

  static Verification verified(Publisher p) {
    return new Verification.Verified(
        p, List.of("https://docs.pypi.org/attestations/publish/v1"), NOW);
  }

  static List<Decision> decisions(PolicyJudge judge, ProjectPage page) {
    return judge.judge("pypi", page).files().stream().map(FileDecision::decision).toList();
  }

  static List<Reason> reasons(Decision d) {
    return d instanceof Decision.Block b ? b.reasons() : List.of();
  }

  @Test
  void require_verifiedByRequiredPublisher_allowed() {
    var v = new FakeVerdicts().put(sha('a'), verified(TRAIL));
    var d =
        decisions(
            judge("attestations:\n" + REQUIRE_TRAIL, v, PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', true)));
    assertThat(d).containsExactly(Decision.ALLOW);
  }

  @Test
  void require_otherPublisher_blockedWithBothNames() {
    var v = new FakeVerdicts().put(sha('a'), verified(TRAIL));
    var d =
        decisions(
            judge("attestations:\n" + REQUIRE_OTHER, v, PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', true)));
    assertThat(reasons(d.get(0)))
        .containsExactly(
            new Reason(
                "attestations",
                "provenance publisher trailofbits/pypi-attestations@release.yml does not match required other/repo@release.yml"));
  }

  @Test
  void require_noProvenance_blocked() {
    var d =
        decisions(
            judge(
                "attestations:\n" + REQUIRE_TRAIL, new FakeVerdicts(), PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', false)));
    assertThat(reasons(d.get(0)))
        .extracting(Reason::message)
        .containsExactly(
            "no provenance; demo requires provenance from TrailOfBits/pypi-attestations@release.yml");
  }

  @Test
  void require_unknownPublisherKind_unverifiedNeverSatisfies() {
    var v =
        new FakeVerdicts()
            .put(sha('a'), new Verification.Unverified("unknown publisher kind ActiveState"));
    var d =
        decisions(
            judge(
                "attestations:\n  verify: false\n" + REQUIRE_TRAIL, v, PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', true)));
    assertThat(reasons(d.get(0)))
        .extracting(Reason::message)
        .containsExactly(
            "provenance unverified: unknown publisher kind ActiveState; required publisher TrailOfBits/pypi-attestations@release.yml");
  }

  @Test
  void verify_failedProvenance_blockedOnceAndUnrelatedFileAllowed() {
    var v = new FakeVerdicts().put(sha('a'), new Verification.Failed("signature does not verify"));
    var d =
        decisions(
            judge("attestations:\n  verify: true\n" + REQUIRE_TRAIL, v, PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', true)));
    assertThat(reasons(d.get(0)))
        .extracting(Reason::message)
        .containsExactly("provenance failed verification: signature does not verify");
    var other =
        decisions(
            judge("attestations:\n  verify: true\n", v, PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'b', false)));
    assertThat(other).containsExactly(Decision.ALLOW);
  }

  @Test
  void verify_pendingVerdict_blockedThenAllowedOnceVerdictArrives() {
    var v = new FakeVerdicts();
    PolicyJudge judge = judge("attestations:\n  verify: true\n", v, PublisherMemory.inMemory());
    ProjectPage page = page(file("demo-1.0.tar.gz", 'a', true));
    String before = judge.version();
    assertThat(reasons(decisions(judge, page).get(0)))
        .extracting(Reason::message)
        .containsExactly("provenance not verified yet");
    v.put(sha('a'), verified(TRAIL));
    assertThat(judge.version()).isNotEqualTo(before);
    assertThat(decisions(judge, page)).containsExactly(Decision.ALLOW);
  }

  @Test
  void publisherChange_lostAttestation_blockedUnlessException() {
    var v = new FakeVerdicts().put(sha('a'), verified(TRAIL));
    ProjectPage page =
        page(
            file("demo-1.0.tar.gz", 'a', true),
            file("demo-1.1.tar.gz", 'b', false),
            file("demo-0.9.tar.gz", 'c', false));
    var d =
        decisions(
            judge("attestations:\n  publisher-change: block\n", v, PublisherMemory.inMemory()),
            page);
    assertThat(d.get(0)).isEqualTo(Decision.ALLOW);
    assertThat(reasons(d.get(1)))
        .extracting(Reason::message)
        .containsExactly(
            "release 1.1 has lost its attestation (it has no provenance), but releases of demo since 1.0 were attested by trailofbits/pypi-attestations@release.yml");
    assertThat(d.get(2)).isEqualTo(Decision.ALLOW);
    var excepted =
        decisions(
            judge(
                "attestations:\n  publisher-change: block\n"
                    + "exceptions:\n  - {project: demo, versions: \"==1.1\", until: 2027-01-01, reason: T-1, date: 2099-01-01}\n",
                v,
                PublisherMemory.inMemory()),
            page);
    assertThat(excepted.get(1)).isInstanceOf(Decision.Allow.class);
  }

  @Test
  void publisherChange_otherPublisherRemembersAcrossInstances(@TempDir Path dir) {
    Path file = dir.resolve("publishers.tsv");
    var first = new FakeVerdicts().put(sha('a'), verified(TRAIL));
    decisions(
        judge("attestations:\n  publisher-change: block\n", first, PublisherMemory.open(file)),
        page(file("demo-1.0.tar.gz", 'a', true)));

    // A new process: the 1.0 file is gone from the page, but its publisher is remembered.
    var later = new FakeVerdicts().put(sha('b'), verified(OTHER));
    PublisherMemory reopened = PublisherMemory.open(file);
    assertThat(reopened.remembered("demo")).map(PublisherMemory.Remembered::since).contains("1.0");
    var d =
        decisions(
            judge("attestations:\n  publisher-change: block\n", later, reopened),
            page(file("demo-2.0.tar.gz", 'b', true)));
    assertThat(reasons(d.get(0)))
        .extracting(Reason::message)
        .containsExactly(
            "release 2.0 is attested by other/repo@release.yml, but releases of demo since 1.0 were attested by trailofbits/pypi-attestations@release.yml (publisher-change: block)");
  }

  /**
   * Issue 13: the remembered publisher is the first verified in upload order. An attacker's later
   * upload of a lower version, attested by their own publisher, neither becomes the reference nor
   * escapes the check; an unattested file uploaded later is blocked whatever its version.
   */
  @Test
  void publisherChange_lowerVersionUploadedLater_isATakeoverNotTheReference() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    var v = new FakeVerdicts().put(sha('a'), verified(TRAIL)).put(sha('b'), verified(OTHER));
    PublisherMemory memory = PublisherMemory.inMemory();
    ProjectPage page =
        page(
            uploaded(file("demo-2.0.tar.gz", 'a', true), t0),
            uploaded(file("demo-0.1.tar.gz", 'b', true), t0.plusSeconds(86_400)),
            uploaded(file("demo-0.0.1.tar.gz", 'c', false), t0.plusSeconds(2 * 86_400)),
            uploaded(file("demo-1.0.tar.gz", 'd', false), t0.minusSeconds(86_400)));
    var d = decisions(judge("attestations:\n  publisher-change: block\n", v, memory), page);
    assertThat(d.get(0)).isEqualTo(Decision.ALLOW);
    assertThat(reasons(d.get(1)))
        .extracting(Reason::message)
        .singleElement()
        .asString()
        .startsWith(
            "release 0.1 is attested by other/repo@release.yml, but files of demo uploaded since 2026-01-01T00:00:00Z");
    assertThat(reasons(d.get(2)))
        .extracting(Reason::message)
        .singleElement()
        .asString()
        .startsWith("release 0.0.1 has lost its attestation (it has no provenance)");
    assertThat(d.get(3)).as("uploaded before the first attested upload").isEqualTo(Decision.ALLOW);
    assertThat(memory.remembered("demo")).map(PublisherMemory.Remembered::since).contains("2.0");
  }

  /**
   * Issue 13: while an earlier upload's verdict is pending, later files it could decide are held.
   */
  @Test
  void publisherChange_pendingEarlierVerdict_holdsLaterFiles() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    var v = new FakeVerdicts();
    ProjectPage page =
        page(
            uploaded(file("demo-1.0.tar.gz", 'a', true), t0),
            uploaded(file("demo-1.1.tar.gz", 'b', false), t0.plusSeconds(60)),
            uploaded(file("demo-0.9.tar.gz", 'c', false), t0.minusSeconds(60)));
    var d =
        decisions(
            judge(
                "attestations:\n  verify: false\n  publisher-change: block\n",
                v,
                PublisherMemory.inMemory()),
            page);
    assertThat(d.get(0))
        .as("allowed whatever its verdict: nothing is remembered yet")
        .isEqualTo(Decision.ALLOW);
    assertThat(((Decision.Block) d.get(1)).held()).isTrue();
    assertThat(reasons(d.get(1)))
        .extracting(Reason::message)
        .singleElement()
        .asString()
        .startsWith("held until");
    assertThat(d.get(2)).isEqualTo(Decision.ALLOW);
  }

  private static FileEntry uploaded(FileEntry f, Instant t) {
    return new FileEntry(
        f.filename(),
        f.url(),
        f.hashes(),
        f.requiresPython(),
        f.yanked(),
        f.size(),
        Optional.of(t.toString()),
        f.coreMetadata(),
        f.distInfoMetadata(),
        f.gpgSig(),
        f.provenance(),
        f.extra());
  }

  @Test
  void noSection_noRuleEffect() {
    var d =
        decisions(
            judge("mode: enforce\n", new FakeVerdicts(), PublisherMemory.inMemory()),
            page(file("demo-1.0.tar.gz", 'a', true)));
    assertThat(d).containsExactly(Decision.ALLOW);
  }
}
