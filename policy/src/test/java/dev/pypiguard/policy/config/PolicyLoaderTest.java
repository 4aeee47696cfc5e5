package dev.pypiguard.policy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.attestation.PublisherRequirement;
import dev.pypiguard.policy.inspection.Action;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {

  private static Policy parse(String yaml) {
    return PolicyLoader.parse("policies.yaml", yaml);
  }

  private static String problems(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  @Test
  void parse_emptyText_defaults() {
    assertThat(parse("")).isEqualTo(Policy.DEFAULTS);
    assertThat(parse("# only a comment\n")).isEqualTo(Policy.DEFAULTS);
  }

  @Test
  void parse_everyKey_readsThem() {
    Policy p =
        parse(
            """
            mode: audit
            projects:
              allow: ["mycorp-*", requests]
              deny: ["Evil_*"]
            versions:
              deny:  {requests: "<2.31"}
              allow: {Django: ">=4.2,<6"}
            release-age:
              minimum: 7d
              exempt: ["mycorp-*"]
              unknown: first-seen
              not-after: 2026-11-20T00:00:00Z
            files:
              yanked: hide
              yank: {urllib3: "==2.0.0"}
              sdists: block
            exceptions:
              - {project: jinja2, versions: "==3.1.2", until: 2027-01-01, reason: "TICKET-42", date: 2099-01-01}
              - {project: "foo-*", until: "2027-03-01T12:00:00+01:00", reason: why, date: 2099-01-01}
            """);
    assertThat(p.mode()).isEqualTo(Policy.Mode.AUDIT);
    assertThat(p.projects().allow())
        .extracting(Glob::toString)
        .containsExactly("mycorp-*", "requests");
    assertThat(p.projects().deny()).extracting(Glob::toString).containsExactly("evil-*");
    assertThat(p.versions().deny().get(new ProjectName("requests")).contains(Version.parse("2.30")))
        .isTrue();
    assertThat(p.versions().allow()).containsKey(new ProjectName("django"));
    assertThat(p.releaseAge().minimum()).isEqualTo(Duration.ofDays(7));
    assertThat(p.releaseAge().unknown()).isEqualTo(Policy.UnknownUploadTime.FIRST_SEEN);
    assertThat(p.releaseAge().notAfter()).contains(Instant.parse("2026-11-20T00:00:00Z"));
    assertThat(p.files().yanked()).isEqualTo(Policy.YankedFiles.HIDE);
    assertThat(p.files().sdists()).isEqualTo(Policy.Sdists.BLOCK);
    assertThat(p.files().yank()).containsKey(new ProjectName("urllib3"));
    assertThat(p.exceptions()).hasSize(2);
    assertThat(p.exceptions().get(0).until().expires())
        .as("a date holds through the end of that day, UTC")
        .isEqualTo(Instant.parse("2027-01-02T00:00:00Z"));
    assertThat(p.exceptions().get(0).until().written()).isEqualTo("2027-01-01");
    assertThat(p.exceptions().get(1).until().expires())
        .isEqualTo(Instant.parse("2027-03-01T11:00:00Z"));
    assertThat(p.exceptions().get(1).versions()).isEmpty();
  }

  @Test
  void parse_notAfterAsDate_startOfDayUtc() {
    Policy p = parse("release-age: {not-after: 2026-11-20}\n");
    assertThat(p.releaseAge().notAfter()).contains(Instant.parse("2026-11-20T00:00:00Z"));
  }

  @Test
  void parse_unknownKey_namesLineKeyAndExpectedKeys() {
    String msg = problems("mode: enforce\nprojects:\n  deny: []\n  denied: [x]\n");
    assertThat(msg)
        .isEqualTo("policies.yaml:4: projects.denied: unknown key (expected one of: allow, deny)");
  }

  @Test
  void parse_attestationsAbsent_noAttestationRules() {
    assertThat(parse("mode: enforce\n").attestations()).isEqualTo(AttestationPolicy.NONE);
  }

  @Test
  void parse_attestationsSection_verifyDefaultsTrueAndRequireRead() {
    Policy p =
        parse(
            "attestations:\n  publisher-change: block\n  require:\n"
                + "    - project: \"mycorp-*\"\n"
                + "      publisher: {kind: GitHub, repository: o/r, workflow: release.yml, environment: pypi}\n"
                + "    - project: tool\n"
                + "      publisher: {kind: GitLab, repository: g/t, workflow_filepath: .gitlab-ci.yml}\n"
                + "    - project: gcp\n"
                + "      publisher: {kind: Google, email: sa@p.iam.gserviceaccount.com}\n");
    AttestationPolicy a = p.attestations();
    assertThat(a.verify()).isTrue();
    assertThat(a.publisherChange()).isTrue();
    assertThat(a.requirementFor("mycorp-x").map(PublisherRequirement::publisher))
        .contains(
            new dev.pypiguard.policy.attestation.Publisher.GitHub(
                "o/r", "release.yml", java.util.Optional.of("pypi")));
    assertThat(a.requirementFor("tool").map(r -> r.publisher().display()))
        .contains("g/t@.gitlab-ci.yml");
    assertThat(a.requirementFor("gcp").map(r -> r.publisher().kind())).contains("Google");
    assertThat(a.requirementFor("other")).isEmpty();
    assertThat(p.digest()).isNotEqualTo(parse("attestations: {verify: true}\n").digest());
  }

  @Test
  void parse_attestationsVerifyFalse_off() {
    assertThat(parse("attestations:\n  verify: false\n").attestations().active()).isFalse();
  }

  @Test
  void parse_attestationsBadPublisher_namesLineAndKey() {
    String msg =
        problems(
            "attestations:\n  require:\n    - project: x\n      publisher: {kind: ActiveState, org: a}\n");
    assertThat(msg)
        .isEqualTo(
            "policies.yaml:4: attestations.require[0].publisher.kind: \"ActiveState\" (expected: GitHub | GitLab | Google)");
  }

  @Test
  void parse_attestationsGitHubWithoutWorkflow_reportsMissingKey() {
    String msg =
        problems(
            "attestations:\n  require:\n    - project: x\n      publisher: {kind: GitHub, repository: o/r}\n");
    assertThat(msg).contains("attestations.require[0].publisher: missing key workflow");
  }

  @Test
  void parse_attestationsBadValues_reportsEach() {
    String msg =
        problems("attestations:\n  verify: maybe\n  publisher-change: warn\n  trusted: x\n");
    assertThat(msg)
        .contains("policies.yaml:2: attestations.verify: \"maybe\" (expected: true | false)")
        .contains(
            "policies.yaml:3: attestations.publisher-change: \"warn\" (expected: block | allow)")
        .contains("attestations.trusted: unknown key");
  }

  @Test
  void load_trustedRoot_resolvedBesideThePolicyAndChecked(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("root.json"), "{}");
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "attestations:\n  trusted-root: root.json\n");
    assertThatThrownBy(() -> PolicyLoader.load(policy))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("policies.yaml:2: attestations.trusted-root:");
    Files.copy(
        Path.of("src/test/resources/attestations/trusted_root.production.json"),
        dir.resolve("root.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(PolicyLoader.load(policy).attestations().trustedRoot())
        .contains(dir.resolve("root.json"));
  }

  @Test
  void parse_badDuration_namesValueAndExpectation() {
    String msg = problems("release-age:\n  minimum: \"-3d\"\n");
    assertThat(msg)
        .isEqualTo(
            "policies.yaml:2: release-age.minimum: \"-3d\" (expected: a duration like 500ms, 30s, 10m,"
                + " 12h, 7d, 2w or P7D)");
  }

  @Test
  void parse_durationWithoutUnit_refused() {
    assertThat(problems("release-age: {minimum: 7}\n"))
        .contains("release-age.minimum: \"7\" (expected: a duration");
  }

  @Test
  void parse_badSpecifier_namesProjectKey() {
    String msg = problems("versions:\n  deny:\n    requests: \"<<2.31\"\n");
    assertThat(msg)
        .isEqualTo(
            "policies.yaml:3: versions.deny.requests: \"<<2.31\" (expected: PEP 440 specifiers"
                + " like \">=1.0,<2\" or \"==3.1.2\")");
  }

  @Test
  void parse_emptySpecifier_refused() {
    assertThat(problems("files: {yank: {urllib3: \"\"}}\n"))
        .contains("files.yank.urllib3: \"\" (expected: PEP 440 specifiers");
  }

  @Test
  void parse_sameProjectTwiceAfterNormalization_refused() {
    assertThat(problems("versions:\n  deny:\n    Foo_Bar: \"<1\"\n    foo-bar: \"<2\"\n"))
        .isEqualTo(
            "policies.yaml:4: versions.deny.foo-bar: the same project as versions.deny.Foo_Bar"
                + " (expected: each project once)");
  }

  @Test
  void parse_badDate_namesExceptionIndex() {
    String msg =
        problems(
            """
            exceptions:
              - {project: a, until: 2027-01-01, reason: ok, date: 2099-01-01}
              - project: b
                until: "31/01/2027"
                date: 2026-01-01
                reason: nope
            """);
    assertThat(msg)
        .isEqualTo(
            "policies.yaml:4: exceptions[1].until: \"31/01/2027\" (expected: a date like"
                + " 2027-01-31 or an RFC 3339 time like 2027-01-31T12:00:00Z)");
  }

  @Test
  void parse_exceptionMissingKeys_namesEach() {
    String msg = problems("exceptions:\n  - {project: a}\n");
    assertThat(msg)
        .contains("policies.yaml:2: exceptions[0]: missing key until")
        .contains("policies.yaml:2: exceptions[0]: missing key reason");
  }

  @Test
  void parse_badGlob_namesIndex() {
    assertThat(problems("projects:\n  deny: [\"ok-*\", \"evil/*\"]\n"))
        .startsWith("policies.yaml:2: projects.deny[1]: \"evil/*\" (expected: a project-name glob");
  }

  @Test
  void parse_badEnums_listAlternatives() {
    String msg =
        problems(
            """
            mode: Enforce
            release-age: {unknown: never}
            files: {yanked: drop, sdists: wheels}
            """);
    assertThat(msg.lines())
        .containsExactly(
            "policies.yaml:1: mode: \"Enforce\" (expected: enforce | audit)",
            "policies.yaml:2: release-age.unknown: \"never\" (expected: block | allow | first-seen)",
            "policies.yaml:3: files.yanked: \"drop\" (expected: keep | hide)",
            "policies.yaml:3: files.sdists: \"wheels\" (expected: allow | block)");
  }

  @Test
  void parse_unquotedYamlBoolean_saysToQuote() {
    assertThat(problems("files: {sdists: no}\n"))
        .isEqualTo(
            "policies.yaml:1: files.sdists: false, a YAML boolean; quote words like \"no\""
                + " (expected: allow | block)");
  }

  @Test
  void parse_wrongTypes_reported() {
    String msg =
        problems(
            """
            projects: [a, b]
            versions:
              deny: "<2"
            release-age:
              exempt: mycorp-*
            exceptions: {project: a}
            """);
    assertThat(msg.lines())
        .containsExactly(
            "policies.yaml:1: projects: a list (expected: a mapping with keys allow, deny)",
            "policies.yaml:3: versions.deny: \"<2\" (expected: a mapping of project to specifiers,"
                + " like {requests: \"<2.31\"})",
            "policies.yaml:5: release-age.exempt: \"mycorp-*\" (expected: a list of project-name"
                + " globs like [\"evil-*\"])",
            "policies.yaml:6: exceptions: a mapping (expected: a list of {project, versions, until,"
                + " reason, sha256 | date} entries)");
  }

  @Test
  void parse_severalProblems_reportedTogether() {
    String msg =
        problems(
            """
            mode: enforce
            colour: blue
            release-age:
              minimum: soon
            versions:
              allow: {django: "~=4"}
            exceptions:
              - {project: x, until: tomorrow, reason: r, date: 2099-01-01}
            """);
    assertThat(msg.lines()).hasSize(4);
    assertThat(msg)
        .contains("policies.yaml:2: colour: unknown key")
        .contains("policies.yaml:4: release-age.minimum: \"soon\"")
        .contains("policies.yaml:6: versions.allow.django: \"~=4\"")
        .contains("policies.yaml:8: exceptions[0].until: \"tomorrow\"");
  }

  @Test
  void parse_notAMapping_refused() {
    assertThat(problems("- a\n- b\n")).startsWith("policies.yaml: a list (expected: a mapping");
  }

  @Test
  void parse_brokenYaml_namesLine() {
    assertThat(problems("mode: enforce\nprojects: {deny: [\n")).startsWith("policies.yaml:");
  }

  @Test
  void load_missingFile_namesIt(@TempDir Path dir) {
    Path f = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> PolicyLoader.load(f))
        .isInstanceOf(ConfigException.class)
        .hasMessage(f + ": no such file");
  }

  @Test
  void load_file_usesPathInMessages(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, "mode: strict\n");
    assertThatThrownBy(() -> PolicyLoader.load(f))
        .hasMessage(f + ":1: mode: \"strict\" (expected: enforce | audit)");
  }

  /** Issue 16: how blocked files appear, hide by default. */
  @Test
  void filesBlocked_yankHideAndNonsense(@TempDir Path dir) throws Exception {
    assertThat(parse("files: {blocked: yank}\n").files().blocked())
        .isEqualTo(Policy.BlockedFiles.YANK);
    assertThat(parse("files: {sdists: block}\n").files().blocked())
        .isEqualTo(Policy.BlockedFiles.HIDE);
    assertThat(parse("mode: enforce\n").files().blocked()).isEqualTo(Policy.BlockedFiles.HIDE);
    assertThat(parse("files: {blocked: yank}\n").digest())
        .isNotEqualTo(parse("files: {blocked: hide}\n").digest());
    Path f = dir.resolve("blocked.yaml");
    Files.writeString(f, "files:\n  blocked: show\n");
    assertThatThrownBy(() -> PolicyLoader.load(f))
        .hasMessageContaining("files.blocked")
        .hasMessageContaining("hide | yank");
  }

  @Test
  void load_exampleAtRepoRoot_loads() {
    Policy p =
        PolicyLoader.load(
            dev.pypiguard.policy.testing.Fixtures.file("shipped/policies.example.yaml"));
    assertThat(p.mode()).isEqualTo(Policy.Mode.ENFORCE);
    assertThat(p.releaseAge().minimum()).isEqualTo(Duration.ofDays(7));
    assertThat(p.releaseAge().unknown()).isEqualTo(Policy.UnknownUploadTime.FIRST_SEEN);
    assertThat(p.exceptions()).isNotEmpty();
    assertThat(p.attestations().verify()).isTrue();
    assertThat(p.attestations().publisherChange()).isTrue();
    assertThat(p.files().blocked()).isEqualTo(Policy.BlockedFiles.YANK);
    // Issue 17: every check spelled out, the unambiguous (high) ones blocked, the rest warned.
    for (var c : dev.pypiguard.policy.inspection.Check.values()) {
      assertThat(p.inspection().actions())
          .as(c.id())
          .containsEntry(
              c.id(),
              c.severity() == dev.pypiguard.policy.inspection.Finding.Severity.HIGH
                  ? Action.BLOCK
                  : Action.WARN);
    }
    assertThat(p.lookalikes().action()).isEqualTo(Action.HOLD);
    assertThat(p.exceptions())
        .allSatisfy(
            w -> assertThat(w.until().expires()).isAfter(Instant.parse("2027-01-01T00:00:00Z")));
  }

  @Test
  void digest_sameMeaningDifferentLayout_equal() {
    Policy a =
        parse(
            "projects: {deny: [b-*, a]}\nversions: {deny: {requests: \"<2.31\", Django: \"<4,>=3\"}}\n");
    Policy b =
        parse(
            """
            # comments and order do not matter
            versions:
              deny:
                django: ">=3, <4"
                requests: "<2.31"
            projects:
              deny: [A, "B_*"]
            """);
    assertThat(a.digest()).isEqualTo(b.digest()).hasSize(64);
    assertThat(parse("mode: audit\n").digest()).isNotEqualTo(Policy.DEFAULTS.digest());
    assertThat(parse("").digest()).isEqualTo(Policy.DEFAULTS.digest());
  }
}
