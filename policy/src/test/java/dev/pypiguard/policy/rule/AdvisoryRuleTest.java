package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.advisory.Advisory;
import dev.pypiguard.policy.advisory.AdvisoryDatabase;
import dev.pypiguard.policy.advisory.AdvisoryIgnore;
import dev.pypiguard.policy.advisory.AdvisoryLookup;
import dev.pypiguard.policy.advisory.AdvisorySources;
import dev.pypiguard.policy.advisory.OsvDirectorySource;
import dev.pypiguard.policy.advisory.Severity;
import dev.pypiguard.policy.config.PolicyLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AdvisoryRule} through {@link PolicyJudge}, and the policy's {@code advisories} section.
 */
class AdvisoryRuleTest {
  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

  static Advisory vuln(
      String id, String project, String fixed, Optional<Severity> severity, String... aliases) {
    var range =
        new Advisory.Range(
            List.of(
                new Advisory.Event(Advisory.Kind.INTRODUCED, Optional.empty()),
                new Advisory.Event(
                    Advisory.Kind.FIXED,
                    Optional.of(dev.pypiguard.core.version.Version.parse(fixed)))));
    return new Advisory(
        id,
        List.of(aliases),
        Optional.empty(),
        "",
        false,
        severity,
        List.of(new Advisory.Affected(project, List.of(range), List.of(), List.of())),
        Optional.empty());
  }

  static Advisory malicious(String id, String project, boolean everyVersion) {
    Advisory.Affected a =
        everyVersion
            ? new Advisory.Affected(
                project,
                List.of(
                    new Advisory.Range(
                        List.of(new Advisory.Event(Advisory.Kind.INTRODUCED, Optional.empty())))),
                List.of(),
                List.of())
            : new Advisory.Affected(
                project,
                List.of(),
                List.of(dev.pypiguard.core.version.Version.parse("6.6.6")),
                List.of());
    return new Advisory(
        id,
        List.of(),
        Optional.empty(),
        "Malicious code in " + project,
        true,
        Optional.empty(),
        List.of(a),
        Optional.empty());
  }

  static final AdvisoryDatabase DB =
      AdvisoryDatabase.of(
          List.of(
              vuln("PYSEC-2024-38", "jinja2", "3.1.4", Optional.empty(), "GHSA-h75v-3vvj-5mfj"),
              vuln(
                  "GHSA-h75v-3vvj-5mfj",
                  "jinja2",
                  "3.1.4",
                  Optional.of(Severity.MEDIUM),
                  "CVE-2024-34064"),
              vuln("GHSA-q2x7-8rv6-6q7h", "jinja2", "3.1.5", Optional.of(Severity.LOW)),
              vuln("PYSEC-2099-1", "flask", "2.0", Optional.empty()),
              malicious("MAL-2026-1", "evil", true),
              malicious("MAL-2026-2", "requestz", false)));

  static FileEntry file(String filename) {
    return new FileEntry(
        filename,
        "https://files.example/" + filename,
        Map.of("sha256", "ab".repeat(32)),
        Optional.empty(),
        Yanked.NO,
        OptionalLong.empty(),
        Optional.of(NOW.minus(Duration.ofDays(30)).toString()),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  static ProjectPage page(String name, String... files) {
    return new ProjectPage(
        name,
        "1.1",
        Map.of(),
        java.util.Arrays.stream(files).map(AdvisoryRuleTest::file).toList(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  static PolicyJudge judge(String yaml, AdvisoryLookup lookup) {
    Policy p = PolicyLoader.parse("policies.yaml", yaml);
    return new PolicyJudge(
        p,
        Clock.fixed(NOW, ZoneOffset.UTC),
        new InMemoryFirstSeen(),
        List.of(new AdvisoryRule(p.advisories(), lookup)));
  }

  static Decision decide(String yaml, String project, String filename) {
    return judge(yaml, DB)
        .judge("pypi", page(project, filename))
        .file(filename)
        .orElseThrow()
        .decision();
  }

  @Test
  void noSection_vulnerableRelease_allowedButMaliciousBlocked() {
    assertThat(decide("", "jinja2", "jinja2-3.1.3.tar.gz")).isEqualTo(Decision.ALLOW);
    Decision d = decide("", "requestz", "requestz-6.6.6.tar.gz");
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(d.reasons())
        .containsExactly(new Reason("malicious", "MAL-2026-2: Malicious code in requestz"));
    assertThat(decide("", "requestz", "requestz-6.6.7.tar.gz")).isEqualTo(Decision.ALLOW);
  }

  @Test
  void sectionPresent_vulnerableRelease_blockedWithIdsSeverityAndFix() {
    Decision d = decide("advisories: {}\n", "jinja2", "jinja2-3.1.3.tar.gz");
    // PYSEC and GHSA name one flaw: reported once, under the PYSEC id, rated by the GHSA record.
    assertThat(d.reasons())
        .containsExactly(
            new Reason(
                "advisories",
                "PYSEC-2024-38 (CVE-2024-34064, GHSA-h75v-3vvj-5mfj), medium: fixed in 3.1.4"));
    assertThat(decide("advisories: {}\n", "jinja2", "jinja2-3.1.4.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void minSeverityLow_twoAdvisories_joinedWithSemicolon() {
    Decision d = decide("advisories: {min-severity: low}\n", "jinja2", "jinja2-3.1.3.tar.gz");
    assertThat(d.reasons())
        .extracting(Reason::message)
        .containsExactly(
            "PYSEC-2024-38 (CVE-2024-34064, GHSA-h75v-3vvj-5mfj), medium: fixed in 3.1.4; GHSA-q2x7-8rv6-6q7h, low: fixed in 3.1.5");
  }

  @Test
  void minSeverityHigh_mediumAdvisory_allowedButUnratedCountsAsHigh() {
    assertThat(decide("advisories: {min-severity: high}\n", "jinja2", "jinja2-3.1.3.tar.gz"))
        .isEqualTo(Decision.ALLOW);
    assertThat(decide("advisories: {min-severity: high}\n", "flask", "flask-1.0.tar.gz").reasons())
        .containsExactly(new Reason("advisories", "PYSEC-2099-1, high (unrated): fixed in 2.0"));
    assertThat(decide("advisories: {min-severity: critical}\n", "flask", "flask-1.0.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void vulnerableAllow_vulnerableRelease_allowed() {
    assertThat(decide("advisories: {vulnerable: allow}\n", "flask", "flask-1.0.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void ignoreByAlias_untilFuture_allowedWithNote() {
    Decision d =
        decide(
            "advisories:\n  ignore:\n    - {id: CVE-2024-34064, until: 2027-01-31, reason: not reachable}\n",
            "jinja2",
            "jinja2-3.1.3.tar.gz");
    assertThat(d.allowed()).isTrue();
    assertThat(d.reasons())
        .extracting(Reason::toString)
        .containsExactly("advisories: PYSEC-2024-38 ignored until 2027-01-31: not reachable");
    // Issue 15: the judgement changes when the ignore expires, and says so.
    assertThat(d.reasons().get(0).lifts())
        .hasValueSatisfying(t -> assertThat(t.toString()).startsWith("2027-0"));
  }

  @Test
  void ignoreExpired_vulnerableRelease_stillBlocked() {
    Decision d =
        decide(
            "advisories:\n  ignore:\n    - {id: PYSEC-2024-38, until: 2026-01-31, reason: old}\n",
            "jinja2",
            "jinja2-3.1.3.tar.gz");
    assertThat(d).isInstanceOf(Decision.Block.class);
  }

  @Test
  void exceptionOverMalicious_stillBlocked() {
    String yaml =
        "exceptions: [{project: \"*\", until: 2099-01-01, reason: everything, date: 2099-01-01}]\nadvisories:\n  ignore: [{id: MAL-2026-2, until: 2099-01-01, reason: no}]\n";
    Decision d = decide(yaml, "requestz", "requestz-6.6.6.tar.gz");
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("malicious");
    // An exception still lifts an ordinary vulnerability.
    assertThat(decide(yaml, "flask", "flask-1.0.tar.gz").allowed()).isTrue();
  }

  @Test
  void projectBlocked_maliciousOnEveryVersion_hiddenEvenWithException() {
    PolicyJudge j =
        judge(
            "exceptions: [{project: evil, until: 2099-01-01, reason: x, date: 2099-01-01}]\n", DB);
    assertThat(j.projectBlocked(new ProjectName("evil")))
        .hasValueSatisfying(r -> assertThat(r.rule()).isEqualTo("malicious"));
    assertThat(j.projectBlocked(new ProjectName("requestz"))).isEmpty();
    // Issue 13: audit mode does not let a malicious project out either.
    assertThat(judge("mode: audit\n", DB).projectBlocked(new ProjectName("evil"))).isPresent();
  }

  @Test
  void version_databaseRefreshed_changesWithoutNewJudge(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("a.json"),
        "{\"id\": \"MAL-1\", \"affected\": [{\"package\": {\"name\": \"x\", \"ecosystem\": \"PyPI\"}, \"versions\": [\"1.0\"]}]}");
    AdvisorySources sources = AdvisorySources.load(List.of(new OsvDirectorySource(dir)));
    PolicyJudge j = judge("", sources);
    String before = j.version();
    // README "Speed": while nothing changed, one instance (its parts compared, not joined again)
    assertThat(j.version()).isSameAs(before);
    assertThat(j.judge("pypi", page("x", "x-2.0.tar.gz")).blocked()).isEmpty();
    Files.writeString(
        dir.resolve("b.json"),
        "{\"id\": \"MAL-2\", \"affected\": [{\"package\": {\"name\": \"x\", \"ecosystem\": \"PyPI\"}, \"versions\": [\"2.0\"]}]}");
    assertThat(sources.reload()).isTrue();
    String after = j.version();
    assertThat(after).isNotEqualTo(before).contains("+advisories-osv-");
    assertThat(j.version()).isSameAs(after);
    assertThat(j.judge("pypi", page("x", "x-2.0.tar.gz")).blocked()).hasSize(1);
  }

  @Test
  void refresher_interval_reloadsInBackground(@TempDir Path dir) throws Exception {
    AdvisorySources sources = AdvisorySources.load(List.of(new OsvDirectorySource(dir)));
    AdvisorySources.Refresher refresher = sources.startRefresher(Duration.ofMillis(20));
    try {
      Files.writeString(
          dir.resolve("b.json"),
          "{\"id\": \"MAL-2\", \"affected\": [{\"package\": {\"name\": \"x\", \"ecosystem\": \"PyPI\"}, \"versions\": [\"2.0\"]}]}");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (sources.database().size() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(sources.affecting(new ProjectName("x"), "2.0"))
          .extracting(Advisory::id)
          .containsExactly("MAL-2");
    } finally {
      refresher.close();
    }
  }

  @Test
  void policy_advisoriesSection_parsedWithDefaults() {
    Policy absent = PolicyLoader.parse("p.yaml", "");
    assertThat(absent.advisories().vulnerable()).isFalse();
    Policy present = PolicyLoader.parse("p.yaml", "advisories:\n  malicious: block\n");
    assertThat(present.advisories().vulnerable()).isTrue();
    assertThat(present.advisories().minSeverity()).isEqualTo(Severity.MEDIUM);
    assertThat(present.digest()).isNotEqualTo(absent.digest());
    Policy full =
        PolicyLoader.parse(
            "p.yaml",
            "advisories:\n  vulnerable: allow\n  min-severity: critical\n  ignore:\n    - {id: PYSEC-2024-1, until: 2027-01-31, reason: \"not reachable\"}\n");
    assertThat(full.advisories().vulnerable()).isFalse();
    assertThat(full.advisories().minSeverity()).isEqualTo(Severity.CRITICAL);
    assertThat(full.advisories().ignore())
        .extracting(AdvisoryIgnore::id)
        .containsExactly("PYSEC-2024-1");
  }

  @Test
  void policy_invalidAdvisories_everyProblemWithFileLineKey() {
    String yaml =
        "advisories:\n  malicious: allow\n  vulnerable: maybe\n  min-severity: none\n  ignore:\n    - {id: X-1, reason: r}\n  extra: 1\n";
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml:2: advisories.malicious: \"allow\" (expected: block")
        .hasMessageContaining(
            "p.yaml:3: advisories.vulnerable: \"maybe\" (expected: block | allow)")
        .hasMessageContaining(
            "p.yaml:4: advisories.min-severity: \"none\" (expected: low | medium | high | critical)")
        .hasMessageContaining("p.yaml:6: advisories.ignore[0]: missing key until")
        .hasMessageContaining("p.yaml:7: advisories.extra: unknown key");
  }

  /** Issue 13: an advisory listing 1.0.1 covers 1.0.1+anything (PEP 440 local versions). */
  @Test
  void judge_localVersionOfAnAffectedRelease_blocked() {
    var listed =
        new Advisory(
            "MAL-2026-9",
            List.of(),
            Optional.empty(),
            "bad",
            true,
            Optional.empty(),
            List.of(
                new Advisory.Affected(
                    "lib",
                    List.of(),
                    List.of(dev.pypiguard.core.version.Version.parse("1.0.1")),
                    List.of())),
            Optional.empty());
    var db =
        AdvisoryDatabase.of(
            List.of(listed, vuln("PYSEC-2099-7", "lib", "1.0.1", Optional.empty())));
    PolicyJudge j = judge("advisories: {vulnerable: block}\n", db);
    Decision local =
        j.judge("pypi", page("lib", "lib-1.0.1+corp.2-py3-none-any.whl")).files().get(0).decision();
    assertThat(local.reasons()).extracting(Reason::rule).containsExactly("malicious");
    Decision below =
        j.judge("pypi", page("lib", "lib-1.0.0+corp.2-py3-none-any.whl")).files().get(0).decision();
    assertThat(below.reasons()).extracting(Reason::rule).containsExactly("advisories");
  }

  /**
   * A source that has answered for nothing, as the OSV API before its first answer or while down.
   */
  static final AdvisoryLookup SILENT =
      new AdvisoryLookup() {
        @Override
        public List<Advisory> affecting(ProjectName project, String version) {
          return List.of();
        }

        @Override
        public Optional<Advisory> maliciousProject(ProjectName project) {
          return Optional.empty();
        }

        @Override
        public boolean answered(ProjectName project, String version) {
          return false;
        }

        @Override
        public String unansweredWhy() {
          return "osv-api http://osv.test is unreachable (HTTP 503)";
        }

        @Override
        public String generation() {
          return "silent";
        }
      };

  /**
   * Issue 13: a release the online source never answered for is held, in audit mode and under an
   * exception too; {@code on-unavailable: allow} is the operator's explicit way out.
   */
  @Test
  void judge_sourceNeverAnswered_heldUnlessOnUnavailableAllow() {
    for (String yaml :
        List.of(
            "",
            "mode: audit\n",
            "exceptions: [{project: flask, until: 2099-01-01, reason: r, date: 2099-01-01}]\n")) {
      Decision d =
          judge(yaml, SILENT)
              .judge("pypi", page("flask", "flask-1.0.tar.gz"))
              .files()
              .get(0)
              .decision();
      assertThat(d).as(yaml).isInstanceOf(Decision.Block.class);
      assertThat(((Decision.Block) d).held()).as(yaml).isTrue();
      assertThat(d.reasons().get(0).message())
          .isEqualTo(
              "osv-api http://osv.test is unreachable (HTTP 503) for flask 1.0;"
                  + " held until it answers (advisories.on-unavailable: hold)");
    }
    Decision allowed =
        judge("advisories: {on-unavailable: allow}\n", SILENT)
            .judge("pypi", page("flask", "flask-1.0.tar.gz"))
            .files()
            .get(0)
            .decision();
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.reasons().get(0).message())
        .endsWith("judged without it (advisories.on-unavailable: allow)");
  }
}
