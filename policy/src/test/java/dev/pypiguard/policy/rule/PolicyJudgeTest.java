package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.ProjectStatus;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.config.PolicyLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyJudgeTest {
  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  static final String SHA = "ab".repeat(32);

  static Policy policy(String yaml) {
    return PolicyLoader.parse("test.yaml", yaml);
  }

  static PolicyJudge judge(String yaml) {
    return judge(yaml, NOW);
  }

  static PolicyJudge judge(String yaml, Instant now) {
    return new PolicyJudge(policy(yaml), Clock.fixed(now, ZoneOffset.UTC), new InMemoryFirstSeen());
  }

  static PolicyJudge judge(String yaml, KnownFiles known) {
    return new PolicyJudge(
        policy(yaml), Clock.fixed(NOW, ZoneOffset.UTC), new InMemoryFirstSeen(), known, List.of());
  }

  static FileEntry file(String filename) {
    return file(filename, NOW.minus(Duration.ofDays(30)));
  }

  static FileEntry file(String filename, Instant uploaded) {
    return new FileEntry(
        filename,
        "https://files.example/" + filename,
        Map.of("sha256", SHA),
        Optional.empty(),
        Yanked.NO,
        OptionalLong.empty(),
        Optional.ofNullable(uploaded).map(Instant::toString),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  static ProjectPage page(String name, FileEntry... files) {
    return new ProjectPage(
        name, "1.1", Map.of(), List.of(files), Optional.empty(), Optional.empty(), Map.of());
  }

  static Decision decision(PageJudge judge, ProjectPage page, String filename) {
    FileDecision onPage = judge.judge("pypi", page).file(filename).orElseThrow();
    // A file request whose page's judgement is not cached judges the file alone: every test
    // here also proves that it decides what the page does.
    assertThat(judge.judgeFile("pypi", page, filename)).hasValue(onPage);
    return onPage.decision();
  }

  static Decision decide(String yaml, ProjectPage page, String filename) {
    return decision(judge(yaml), page, filename);
  }

  // --- defaults and baseline -----------------------------------------------------------------

  @Test
  void judge_defaults_allowEverything() {
    JudgedPage judged =
        judge("")
            .judge(
                "pypi",
                page(
                    "requests",
                    file("requests-2.30.0.tar.gz"),
                    file("requests-2.32.0-py3-none-any.whl")));
    assertThat(judged.files()).allSatisfy(f -> assertThat(f.decision()).isEqualTo(Decision.ALLOW));
    assertThat(judged.files().get(0).version()).isEqualTo("2.30.0");
  }

  @Test
  void judge_missingSha256_blockedEvenInAuditWithException() {
    FileEntry noHash =
        FileEntry.of("requests-2.32.0.tar.gz", "https://files.example/x", Map.of("md5", "00"));
    Decision d =
        decide(
            "mode: audit\nexceptions: [{project: requests, until: 2099-01-01, reason: r, date: 2099-01-01}]\n",
            page("requests", noHash),
            "requests-2.32.0.tar.gz");
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("integrity");
  }

  @Test
  void judge_quarantinedProject_blocked() {
    ProjectPage p =
        new ProjectPage(
            "requests",
            "1.4",
            Map.of(),
            List.of(file("requests-2.32.0.tar.gz")),
            Optional.empty(),
            Optional.of(new ProjectStatus("quarantined", Optional.empty())),
            Map.of());
    assertThat(decision(judge(""), p, "requests-2.32.0.tar.gz").reasons())
        .extracting(Reason::rule)
        .containsExactly("project-status");
  }

  // --- projects -------------------------------------------------------------------------------

  @Test
  void judge_deniedProjectGlob_blocksEveryFileAndProject() {
    PolicyJudge j = judge("projects: {deny: [\"Evil_*\"]}\n");
    Decision d =
        decision(j, page("Evil.Thing", file("evil_thing-1.0.tar.gz")), "evil_thing-1.0.tar.gz");
    assertThat(d.reasons())
        .containsExactly(new Reason("projects", "project evil-thing is denied by \"evil-*\""));
    assertThat(d.allowed()).isFalse();
    assertThat(j.projectBlocked(new ProjectName("evil_thing"))).contains(d.reasons().get(0));
    assertThat(j.projectBlocked(new ProjectName("requests"))).isEmpty();
  }

  @Test
  void judge_allowlistMode_onlyListedProjectsExist() {
    PolicyJudge j = judge("projects: {allow: [\"mycorp-*\", requests]}\n");
    assertThat(
            decision(j, page("requests", file("requests-2.32.0.tar.gz")), "requests-2.32.0.tar.gz")
                .allowed())
        .isTrue();
    assertThat(j.projectBlocked(new ProjectName("MyCorp_Tools"))).isEmpty();
    assertThat(j.projectBlocked(new ProjectName("flask")))
        .contains(new Reason("projects", "project flask is not in the allowlist (projects.allow)"));
    assertThat(
            decision(j, page("flask", file("flask-3.0.0.tar.gz")), "flask-3.0.0.tar.gz").allowed())
        .isFalse();
  }

  @Test
  void projectBlocked_auditMode_empty() {
    assertThat(
            judge("mode: audit\nprojects: {deny: [evil]}\n")
                .projectBlocked(new ProjectName("evil")))
        .isEmpty();
  }

  @Test
  void projectBlocked_activeException_empty() {
    PolicyJudge j =
        judge(
            "projects: {deny: [\"evil-*\"]}\nexceptions: [{project: evil-ok, until: 2027-01-01, reason: T-1, date: 2099-01-01}]\n");
    assertThat(j.projectBlocked(new ProjectName("evil-ok"))).isEmpty();
    assertThat(j.projectBlocked(new ProjectName("evil-bad"))).isPresent();
  }

  // --- versions -------------------------------------------------------------------------------

  @Test
  void judge_versionsDenyBelow_hidesPreReleasesBelowNotAtTheBoundary() {
    ProjectPage p =
        page(
            "requests",
            file("requests-2.30.1.tar.gz"),
            file("requests-2.30.1rc1.tar.gz"),
            file("requests-2.31.0rc1.tar.gz"),
            file("requests-2.31.0.tar.gz"));
    JudgedPage judged = judge("versions: {deny: {requests: \"<2.31\"}}\n").judge("pypi", p);
    assertThat(judged.blocked())
        .extracting(f -> f.file().filename())
        .containsExactly("requests-2.30.1.tar.gz", "requests-2.30.1rc1.tar.gz");
    assertThat(judged.file("requests-2.30.1.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(new Reason("versions", "version 2.30.1 is denied by \"<2.31\""));
  }

  @Test
  void judge_versionsAllow_onlyMatchingServed() {
    ProjectPage p =
        page("Django", file("Django-4.1.0.tar.gz"), file("django-5.0-py3-none-any.whl"));
    JudgedPage judged = judge("versions: {allow: {django: \">=4.2,<6\"}}\n").judge("pypi", p);
    assertThat(judged.allowed())
        .extracting(f -> f.file().filename())
        .containsExactly("django-5.0-py3-none-any.whl");
    assertThat(judged.blocked().get(0).decision().reasons().get(0).message())
        .isEqualTo("version 4.1.0 is not allowed by \"<6,>=4.2\"");
  }

  /** Issue 13: a version that is not PEP 440 is never judged as if it had none. */
  @Test
  void judge_invalidUpstreamVersion_blockedByFilenameRuleWhateverTheVersionRules() {
    ProjectPage p = page("foo", file("foo-1.0-beta-final.tar.gz"), file("foo-2.0.tar.gz"));
    for (String yaml :
        List.of(
            "",
            "versions: {deny: {foo: \"<3\"}}\n",
            "versions: {allow: {foo: \">=1\"}}\n",
            "mode: audit\n",
            "exceptions: [{project: foo, until: 2099-01-01, reason: r, date: 2099-01-01}]\n")) {
      Decision legacy = decide(yaml, p, "foo-1.0-beta-final.tar.gz");
      assertThat(legacy.allowed()).as(yaml).isFalse();
      assertThat(legacy.reasons())
          .as(yaml)
          .first()
          .isEqualTo(
              new Reason(
                  "filename",
                  "version \"1.0-beta-final\" of foo-1.0-beta-final.tar.gz is not valid PEP 440, so no version rule or advisory could judge it"));
    }
    assertThat(decide("", p, "foo-2.0.tar.gz").allowed()).isTrue();
  }

  /** Issue 13: a listed file of another project, or no distribution at all, is blocked by name. */
  @Test
  void judge_fileNameOfAnotherProject_blockedByFilenameRule() {
    ProjectPage p = page("foo", file("bar-1.0.tar.gz"), file("README"), file("foo-1.0.tbz"));
    JudgedPage judged = judge("mode: audit\n").judge("pypi", p);
    assertThat(judged.file("bar-1.0.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(new Reason("filename", "bar-1.0.tar.gz names project bar, not foo"));
    assertThat(judged.file("README").orElseThrow().decision().reasons())
        .containsExactly(
            new Reason(
                "filename", "README is not a distribution file name of foo as pip reads names"));
    assertThat(judged.file("foo-1.0.tbz").orElseThrow().decision().allowed()).isTrue();
    assertThat(judged.file("foo-1.0.tbz").orElseThrow().version()).isEqualTo("1.0");
  }

  /**
   * Issue 13: an sdist suffix pip accepts but the engine did not know skipped the version rules.
   */
  @Test
  void judge_oddSdistSuffix_judgedByTheVersionRules() {
    ProjectPage p = page("foo", file("foo-1.0.tar.lzma"), file("Foo_-1.0.txz"));
    JudgedPage judged = judge("versions: {deny: {foo: \"<3\"}}\n").judge("pypi", p);
    assertThat(judged.file("foo-1.0.tar.lzma").orElseThrow().decision().reasons())
        .extracting(Reason::rule)
        .containsExactly("versions");
    assertThat(judged.file("Foo_-1.0.txz").orElseThrow().decision().allowed()).isFalse();
  }

  /** Issue 13: one name listed twice is one file: with one hash one decision, with two a block. */
  @Test
  void judge_duplicateNames_oneDecisionOrBothBlocked() {
    FileEntry a = file("foo-1.0.tar.gz");
    FileEntry same = file("foo-1.0.tar.gz");
    JudgedPage once = judge("").judge("pypi", page("foo", a, same));
    assertThat(once.files()).hasSize(1);
    assertThat(once.served().files()).hasSize(1);
    FileEntry other =
        new FileEntry(
            "foo-1.0.tar.gz",
            a.url() + "#x",
            Map.of("sha256", "cd".repeat(32)),
            Optional.empty(),
            Yanked.NO,
            OptionalLong.empty(),
            a.uploadTime(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Map.of());
    JudgedPage twice = judge("mode: audit\n").judge("pypi", page("foo", a, other));
    assertThat(twice.served().files()).isEmpty();
    assertThat(twice.files().get(0).decision().reasons().get(0).message())
        .contains("different sha256s")
        .contains(SHA)
        .contains("cd".repeat(32));
    // Judged alone, the file sees the page's other entry of its name too.
    assertThat(decision(judge("mode: audit\n"), page("foo", a, other), "foo-1.0.tar.gz").allowed())
        .isFalse();
    assertThat(judge("").judgeFile("pypi", page("foo", a), "foo-2.0.tar.gz")).isEmpty();
  }

  /** Issue 13: a known name that comes back with other bytes is a swap, with both hashes named. */
  /**
   * A page of new names is pinned, then made durable once, before its judgement is answered: one
   * forced write per judgement, not one per name (README "Speed"), and none lost to a crash.
   */
  @Test
  void judge_newNames_pinnedThenFlushedOnceBeforeTheAnswer(@TempDir Path dir) {
    var calls = new ArrayList<String>();
    // The memory's own flush, recording what it writes down and when it forces it.
    KnownFiles recording =
        new InMemoryKnownFiles() {
          @Override
          protected void keep(String filename, String sha256) {
            calls.add("pin " + filename);
          }

          @Override
          protected void force() {
            calls.add("flush");
          }
        };
    PolicyJudge j = judge("", recording);
    j.judge("pypi", page("foo", file("foo-1.0.tar.gz"), file("foo-1.1.tar.gz")));
    assertThat(calls).containsExactly("pin foo-1.0.tar.gz", "pin foo-1.1.tar.gz", "flush");
    calls.clear();
    j.judgeFile("pypi", page("foo", file("foo-1.2.tar.gz")), "foo-1.2.tar.gz");
    assertThat(calls).containsExactly("pin foo-1.2.tar.gz", "flush");
    calls.clear();
    j.judge("pypi", page("foo", file("foo-1.0.tar.gz")));
    assertThat(calls).as("nothing new: nothing forced").isEmpty();

    Path tsv = dir.resolve("known-files.tsv");
    PolicyJudge durable = judge("", new FileKnownFiles(tsv));
    durable.judge("pypi", page("foo", file("foo-1.0.tar.gz"), file("foo-1.1.tar.gz")));
    durable.judgeFile("pypi", page("foo", file("foo-1.2.tar.gz")), "foo-1.2.tar.gz");
    KnownFiles reread = FileKnownFiles.readOnly(tsv);
    assertThat(reread.pinned("foo-1.0.tar.gz")).hasValue(SHA);
    assertThat(reread.pinned("foo-1.2.tar.gz")).hasValue(SHA);
  }

  @Test
  void judge_swappedBytesUnderAKnownName_blockedAsIntegrityWithBothHashes() {
    PolicyJudge j = judge("mode: audit\n", KnownFiles.inMemory());
    assertThat(decision(j, page("foo", file("foo-1.0.tar.gz")), "foo-1.0.tar.gz").allowed())
        .isTrue();
    FileEntry swapped =
        new FileEntry(
            "foo-1.0.tar.gz",
            "https://files.example/x",
            Map.of("sha256", "cd".repeat(32)),
            Optional.empty(),
            Yanked.NO,
            OptionalLong.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Map.of());
    Decision d = decision(j, page("foo", swapped), "foo-1.0.tar.gz");
    assertThat(d.allowed()).isFalse();
    assertThat(d.reasons())
        .containsExactly(
            new Reason(
                "integrity",
                "foo-1.0.tar.gz was first seen with sha256 "
                    + SHA
                    + "; the upstream now gives sha256 "
                    + "cd".repeat(32)
                    + " (a file name never gets new bytes)"));
  }

  /** Issue 13: an exception without sha256s covers only files uploaded before its date. */
  @Test
  void judge_exceptionByDateOrSha256_coversOnlyTheFilesItWasWrittenFor() {
    String deny = "versions: {deny: {foo: \"<3\"}}\n";
    ProjectPage p =
        page(
            "foo",
            file("foo-1.0.tar.gz", NOW.minus(Duration.ofDays(30))),
            file("foo-1.0-py3-none-any.whl", NOW.minus(Duration.ofDays(1))));
    JudgedPage byDate =
        judge(
                deny
                    + "exceptions: [{project: foo, until: 2099-01-01, reason: T, date: "
                    + NOW.minus(Duration.ofDays(10))
                    + "}]\n")
            .judge("pypi", p);
    assertThat(byDate.file("foo-1.0.tar.gz").orElseThrow().decision().allowed()).isTrue();
    assertThat(byDate.file("foo-1.0-py3-none-any.whl").orElseThrow().decision().allowed())
        .as("added after the exception was written")
        .isFalse();
    JudgedPage bySha =
        judge(
                deny
                    + "exceptions: [{project: foo, until: 2099-01-01, reason: T, sha256: ["
                    + "cd".repeat(32)
                    + "]}]\n")
            .judge("pypi", p);
    assertThat(bySha.allowed()).isEmpty();
  }

  // --- release-age ------------------------------------------------------------------------------

  @Test
  void judge_releaseAgeYoungFile_blockedWithAgeAndMinimum() {
    ProjectPage p =
        page(
            "requests",
            file("requests-2.33.0.tar.gz", NOW.minus(Duration.ofDays(2)).minusSeconds(3600)));
    assertThat(decide("release-age: {minimum: 7d}\n", p, "requests-2.33.0.tar.gz").reasons())
        // Issue 16: the block says when it lifts (upload time + minimum).
        .containsExactly(
            new Reason(
                "release-age",
                "uploaded 2 days ago, minimum is 7 days",
                java.util.Optional.of(
                    NOW.minus(Duration.ofDays(2)).minusSeconds(3600).plus(Duration.ofDays(7)))));
  }

  @Test
  void judge_releaseAgeBoundary_exactlyMinimumIsServed() {
    ProjectPage p =
        page(
            "requests",
            file("requests-1.0.tar.gz", NOW.minus(Duration.ofDays(7))),
            file("requests-1.1.tar.gz", NOW.minus(Duration.ofDays(7)).plusSeconds(1)));
    JudgedPage judged = judge("release-age: {minimum: 7d}\n").judge("pypi", p);
    assertThat(judged.file("requests-1.0.tar.gz").orElseThrow().decision().allowed()).isTrue();
    assertThat(judged.file("requests-1.1.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(
            new Reason(
                "release-age",
                "uploaded 6 days ago, minimum is 7 days",
                java.util.Optional.of(NOW.plusSeconds(1))));
  }

  @Test
  void judge_releaseAgeHours_messageInHours() {
    ProjectPage p = page("a", file("a-1.0.tar.gz", NOW.minus(Duration.ofMinutes(150))));
    assertThat(
            decide("release-age: {minimum: 36h}\n", p, "a-1.0.tar.gz").reasons().get(0).message())
        .isEqualTo("uploaded 2 hours ago, minimum is 36 hours");
  }

  @Test
  void judge_releaseAgeExempt_notApplied() {
    ProjectPage p = page("MyCorp.Tools", file("mycorp_tools-1.0.tar.gz", NOW.minusSeconds(60)));
    assertThat(
            decide(
                "release-age: {minimum: 7d, exempt: [\"mycorp-*\"]}\n",
                p,
                "mycorp_tools-1.0.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void judge_unknownUploadTimeBlock_blocked() {
    ProjectPage p = page("a", file("a-1.0.tar.gz", null));
    assertThat(decide("release-age: {minimum: 7d, unknown: block}\n", p, "a-1.0.tar.gz").reasons())
        .containsExactly(new Reason("release-age", "no upload time from the upstream"));
    assertThat(decide("release-age: {minimum: 7d}\n", p, "a-1.0.tar.gz").allowed())
        .as("block is the default")
        .isFalse();
  }

  @Test
  void judge_unknownUploadTimeAllow_allowed() {
    ProjectPage p = page("a", file("a-1.0.tar.gz", null));
    assertThat(decide("release-age: {minimum: 7d, unknown: allow}\n", p, "a-1.0.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void judge_noReleaseAgeSection_missingUploadTimeAllowed() {
    assertThat(decide("", page("a", file("a-1.0.tar.gz", null)), "a-1.0.tar.gz"))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void judge_unknownUploadTimeFirstSeen_cooldownFromFirstSightingSurvivesRestart(@TempDir Path dir)
      throws Exception {
    Policy p = policy("release-age: {minimum: 7d, unknown: first-seen}\n");
    ProjectPage page = page("a", file("a-1.0.tar.gz", null));
    Path store = dir.resolve("first-seen.tsv");
    try (FileFirstSeen seen = new FileFirstSeen(store)) {
      Decision first =
          decision(
              new PolicyJudge(p, Clock.fixed(NOW, ZoneOffset.UTC), seen), page, "a-1.0.tar.gz");
      assertThat(first.reasons())
          .containsExactly(
              new Reason(
                  "release-age",
                  "no upload time from the upstream; first seen 0 seconds ago, minimum is 7 days",
                  java.util.Optional.of(NOW.plus(Duration.ofDays(7)))));
    }
    try (FileFirstSeen reopened = new FileFirstSeen(store)) {
      Instant later = NOW.plus(Duration.ofDays(3));
      Decision second =
          decision(
              new PolicyJudge(p, Clock.fixed(later, ZoneOffset.UTC), reopened),
              page,
              "a-1.0.tar.gz");
      assertThat(second.reasons().get(0).message())
          .isEqualTo("no upload time from the upstream; first seen 3 days ago, minimum is 7 days");
      Instant done = NOW.plus(Duration.ofDays(7));
      assertThat(
              decision(
                  new PolicyJudge(p, Clock.fixed(done, ZoneOffset.UTC), reopened),
                  page,
                  "a-1.0.tar.gz"))
          .isEqualTo(Decision.ALLOW);
    }
  }

  @Test
  void judge_notAfter_blocksLaterUploadsOnly() {
    ProjectPage p =
        page(
            "a",
            file("a-1.0.tar.gz", Instant.parse("2026-11-20T00:00:00Z")),
            file("a-1.1.tar.gz", Instant.parse("2026-11-21T10:00:00Z")));
    JudgedPage judged =
        judge("release-age: {not-after: 2026-11-20T00:00:00Z}\n", NOW.plus(Duration.ofDays(10)))
            .judge("pypi", p);
    assertThat(judged.file("a-1.0.tar.gz").orElseThrow().decision().allowed()).isTrue();
    assertThat(judged.file("a-1.1.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(
            new Reason(
                "release-age",
                "uploaded 2026-11-21T10:00:00Z, after the cut-off 2026-11-20T00:00:00Z"));
  }

  @Test
  void judge_uploadTimeLaterThanClock_blocked() {
    ProjectPage p = page("a", file("a-1.0.tar.gz", NOW.plusSeconds(3600)));
    assertThat(decide("release-age: {minimum: 1d}\n", p, "a-1.0.tar.gz").reasons().get(0).message())
        .startsWith("uploaded 2026-11-21T11:00:00Z, later than the proxy's clock");
  }

  // --- files --------------------------------------------------------------------------------

  @Test
  void judge_sdistsBlock_onlyWheelsServed() {
    ProjectPage p =
        page("a", file("a-1.0.tar.gz"), file("a-1.0-py3-none-any.WHL"), file("a-1.0-py2.7.egg"));
    JudgedPage judged = judge("files: {sdists: block}\n").judge("pypi", p);
    assertThat(judged.allowed())
        .extracting(f -> f.file().filename())
        .containsExactly("a-1.0-py3-none-any.WHL");
    assertThat(judged.file("a-1.0.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(
            new Reason(
                "sdists",
                "a source distribution; files.sdists is block, so only wheels are served"));
    assertThat(judged.file("a-1.0-py2.7.egg").orElseThrow().decision().reasons().get(0).message())
        .startsWith("not a wheel;");
  }

  @Test
  void judge_yankedHide_hidesUpstreamYank() {
    FileEntry yanked = file("a-1.0.tar.gz").withYanked(Yanked.because("broken"));
    JudgedPage judged =
        judge("files: {yanked: hide}\n").judge("pypi", page("a", yanked, file("a-1.1.tar.gz")));
    assertThat(judged.file("a-1.0.tar.gz").orElseThrow().decision().reasons())
        .containsExactly(new Reason("yanked", "yanked (broken); files.yanked is hide"));
    assertThat(judged.file("a-1.1.tar.gz").orElseThrow().decision().allowed()).isTrue();
    assertThat(decision(judge(""), page("a", yanked), "a-1.0.tar.gz"))
        .as("keep passes the yank through")
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void judge_localYank_servedYankedNotBlocked() {
    ProjectPage p = page("urllib3", file("urllib3-2.0.0.tar.gz"), file("urllib3-2.0.1.tar.gz"));
    JudgedPage judged = judge("files: {yank: {urllib3: \"==2.0.0\"}}\n").judge("pypi", p);
    FileDecision d = judged.file("urllib3-2.0.0.tar.gz").orElseThrow();
    assertThat(d.decision()).isEqualTo(Decision.ALLOW);
    assertThat(d.file().yanked())
        .isEqualTo(Yanked.because("yanked by policy (files.yank: ==2.0.0)"));
    assertThat(judged.servedFile("urllib3-2.0.0.tar.gz").orElseThrow().yanked().yanked()).isTrue();
    assertThat(judged.file("urllib3-2.0.1.tar.gz").orElseThrow().file().yanked())
        .isEqualTo(Yanked.NO);
  }

  @Test
  void judge_localYankUpstreamAlreadyYanked_keepsUpstreamReason() {
    FileEntry f = file("urllib3-2.0.0.tar.gz").withYanked(Yanked.because("upstream says so"));
    FileDecision d =
        judge("files: {yank: {urllib3: \"==2.0.0\"}}\n")
            .judge("pypi", page("urllib3", f))
            .files()
            .get(0);
    assertThat(d.file().yanked().reason()).contains("upstream says so");
  }

  @Test
  void judge_localYankWithHide_hidden() {
    ProjectPage p = page("urllib3", file("urllib3-2.0.0.tar.gz"));
    assertThat(
            decide(
                    "files: {yanked: hide, yank: {urllib3: \"==2.0.0\"}}\n",
                    p,
                    "urllib3-2.0.0.tar.gz")
                .reasons())
        .containsExactly(
            new Reason(
                "yanked", "yanked (yanked by policy (files.yank: ==2.0.0)); files.yanked is hide"));
  }

  // --- collecting, exceptions, audit ----------------------------------------------------------

  static final String STRICT =
      """
      versions: {deny: {requests: "<2.31"}}
      release-age: {minimum: 7d}
      files: {sdists: block}
      """;

  @Test
  void judge_severalRules_everyReasonInOrder() {
    ProjectPage p = page("requests", file("requests-2.30.0.tar.gz", NOW.minus(Duration.ofDays(1))));
    assertThat(decide(STRICT, p, "requests-2.30.0.tar.gz").reasons())
        .extracting(Reason::rule)
        .containsExactly("versions", "release-age", "sdists");
  }

  @Test
  void judge_exceptionCoveringFile_allowsWithReasonAndLifted() {
    ProjectPage p =
        page(
            "requests",
            file("requests-2.30.0.tar.gz", NOW.minus(Duration.ofDays(1))),
            file("requests-2.29.0.tar.gz"));
    String yaml =
        STRICT
            + "exceptions: [{project: Requests, versions: \"==2.30.0\", until: 2027-01-01, reason: TICKET-42, date: 2099-01-01}]\n";
    JudgedPage judged = judge(yaml).judge("pypi", p);
    Decision d = judged.file("requests-2.30.0.tar.gz").orElseThrow().decision();
    assertThat(d).isInstanceOf(Decision.Allow.class);
    assertThat(d.reasons())
        .extracting(Reason::rule)
        .containsExactly("exception", "versions", "release-age", "sdists");
    assertThat(d.reasons().get(0).message())
        .isEqualTo(
            "allowed by the exception for requests ==2.30.0 (files uploaded before 2099-01-01T00:00:00Z) until 2027-01-01: TICKET-42");
    assertThat(judged.file("requests-2.29.0.tar.gz").orElseThrow().decision().allowed())
        .as("versions outside the exception stay blocked")
        .isFalse();
  }

  @Test
  void judge_exceptionUntilDate_holdsThroughThatDayThenExpires() {
    ProjectPage p = page("requests", file("requests-2.30.0-py3-none-any.whl"));
    String yaml =
        "versions: {deny: {requests: \"<2.31\"}}\nexceptions: [{project: \"req*\", until: 2027-01-01, reason: T, date: 2099-01-01}]\n";
    assertThat(
            decision(
                    judge(yaml, Instant.parse("2027-01-01T23:59:00Z")),
                    p,
                    "requests-2.30.0-py3-none-any.whl")
                .allowed())
        .isTrue();
    PolicyJudge expired = judge(yaml, Instant.parse("2027-01-02T00:00:00Z"));
    Decision d = decision(expired, p, "requests-2.30.0-py3-none-any.whl");
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("versions");
    assertThat(expired.projectBlocked(new ProjectName("requests"))).isEmpty();
  }

  @Test
  void warnOnce_sameExpiredException_trueOnlyFirstTime() {
    Policy.Waiver w =
        policy(
                "exceptions: [{project: warn-once-test, until: 2020-01-01, reason: old, date: 2099-01-01}]\n")
            .exceptions()
            .get(0);
    assertThat(PolicyJudge.warnOnce(w)).isTrue();
    assertThat(PolicyJudge.warnOnce(w)).isFalse();
  }

  /** Stands for the advisories rule to come. */
  record Malicious() implements Rule {
    @Override
    public void check(FileContext f, Findings out) {
      if (f.version().equals("6.6.6")) {
        out.block(new Reason(PolicyJudge.MALICIOUS, "MAL-2026-1: credential stealer"));
      }
    }

    @Override
    public String fingerprint() {
      return "osv-rev-1";
    }
  }

  @Test
  void judge_exceptionOverMalicious_stillBlocked() {
    Policy p =
        policy(
            "exceptions: [{project: \"*\", until: 2099-01-01, reason: everything, date: 2099-01-01}]\n");
    PolicyJudge j =
        new PolicyJudge(
            p, Clock.fixed(NOW, ZoneOffset.UTC), new InMemoryFirstSeen(), List.of(new Malicious()));
    JudgedPage judged = j.judge("pypi", page("a", file("a-6.6.6.tar.gz"), file("a-1.0.tar.gz")));
    assertThat(judged.file("a-6.6.6.tar.gz").orElseThrow().decision())
        .isEqualTo(
            new Decision.Block(List.of(new Reason("malicious", "MAL-2026-1: credential stealer"))));
    assertThat(judged.file("a-1.0.tar.gz").orElseThrow().decision()).isEqualTo(Decision.ALLOW);
    assertThat(j.version()).contains("+osv-rev-1");
  }

  @Test
  void judge_auditMode_everyBlockAllowedWithWouldBeReasons() {
    ProjectPage p =
        page(
            "requests",
            file("requests-2.30.0.tar.gz", NOW.minus(Duration.ofDays(1))),
            file("requests-2.32.0.tar.gz"));
    JudgedPage judged =
        judge("mode: audit\nprojects: {deny: [requests]}\n" + STRICT).judge("pypi", p);
    assertThat(judged.blocked()).isEmpty();
    Decision d = judged.file("requests-2.30.0.tar.gz").orElseThrow().decision();
    assertThat(d).isInstanceOf(Decision.Allow.class);
    assertThat(d.reasons())
        .extracting(Reason::rule)
        .containsExactly("projects", "versions", "release-age", "sdists");
    assertThat(judged.served().files()).hasSize(2);
  }

  /** Issue 13: audit mode reports instead of blocking, but never lets a malicious release out. */
  @Test
  void judge_auditModeMalicious_stillBlocked() {
    Policy p = policy("mode: audit\n");
    PolicyJudge j =
        new PolicyJudge(
            p, Clock.fixed(NOW, ZoneOffset.UTC), new InMemoryFirstSeen(), List.of(new Malicious()));
    Decision d = decision(j, page("a", file("a-6.6.6.tar.gz")), "a-6.6.6.tar.gz");
    assertThat(d.allowed()).isFalse();
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("malicious");
  }

  // --- version() ------------------------------------------------------------------------------

  @Test
  void version_samePolicy_sameVersionAcrossJudges() {
    String yaml = "projects: {deny: [evil]}\n";
    assertThat(judge(yaml).version())
        .isEqualTo(judge(yaml).version())
        .startsWith("policy-")
        .doesNotContain("@");
    assertThat(judge(yaml).version()).isNotEqualTo(judge("projects: {deny: [evil2]}\n").version());
    assertThat(judge(yaml, NOW.plus(Duration.ofDays(1))).version())
        .as("no time-dependent rule: time does not change it")
        .isEqualTo(judge(yaml).version());
  }

  @Test
  void version_timeDependentPolicy_timeIsNotInIt() {
    String yaml = "release-age: {minimum: 7d}\n";
    assertThat(judge(yaml, NOW.plusSeconds(60)).version())
        .isEqualTo(judge(yaml).version())
        .doesNotContain("@");
  }

  // --- nextChange (issue 15: a rendering is kept until then, and no later) ----------------------

  @Test
  void nextChange_isTheEarliestCooldownEndOnThePage() {
    String yaml = "release-age: {minimum: 7d}\n";
    Instant young = NOW.minus(Duration.ofDays(2));
    Instant younger = NOW.minus(Duration.ofHours(1));
    var p =
        page("a", file("a-1.0.tar.gz"), file("a-2.0.tar.gz", young), file("a-3.0.tar.gz", younger));
    assertThat(judge(yaml).judge("pypi", p).nextChange()).contains(young.plus(Duration.ofDays(7)));
    // Judged again just before and just after that instant: the file lifts exactly then.
    Instant t = young.plus(Duration.ofDays(7));
    assertThat(decision(judge(yaml, t.minusMillis(1)), p, "a-2.0.tar.gz").allowed()).isFalse();
    JudgedPage after = judge(yaml, t.plusMillis(1)).judge("pypi", p);
    assertThat(after.file("a-2.0.tar.gz").orElseThrow().decision().allowed()).isTrue();
    assertThat(after.nextChange()).contains(younger.plus(Duration.ofDays(7)));
  }

  @Test
  void nextChange_noneWhenNothingLapses() {
    var p = page("a", file("a-1.0.tar.gz"));
    assertThat(judge("release-age: {minimum: 7d}\n").judge("pypi", p).nextChange()).isEmpty();
    assertThat(judge("versions: {deny: {a: \"<2\"}}\n").judge("pypi", p).nextChange()).isEmpty();
  }

  @Test
  void nextChange_anExceptionCoveringTheProject_expiresThen() {
    String yaml =
        "release-age: {minimum: 7d}\n"
            + "exceptions: [{project: a, until: 2026-11-25, reason: T-1, date: 2099-01-01}]\n";
    var p = page("a", file("a-1.0.tar.gz", NOW.minus(Duration.ofDays(1))));
    PolicyJudge j = judge(yaml);
    JudgedPage judged = j.judge("pypi", p);
    assertThat(judged.files().get(0).decision().allowed()).isTrue();
    Instant expires = judged.nextChange().orElseThrow();
    // Before the cooldown's end (NOW + 6 days): the exception's expiry comes first.
    assertThat(expires).isBefore(NOW.plus(Duration.ofDays(6))).isAfter(NOW);
    assertThat(
            judge(yaml, expires.plusMillis(1)).judge("pypi", p).files().get(0).decision().allowed())
        .isFalse();
    assertThat(j.nextChange()).contains(expires);
    assertThat(judge(yaml).judge("pypi", page("b", file("b-1.0.tar.gz"))).nextChange()).isEmpty();
  }

  // --- scale ------------------------------------------------------------------------------------

  @Test
  void judge_fiveThousandFilePage_everyDecisionRight() {
    var files = new ArrayList<FileEntry>();
    for (int i = 0; i < 5000; i++) {
      String version = (i / 100) + "." + (i % 100);
      boolean young = i % 7 == 0;
      files.add(
          file(
              i % 2 == 0
                  ? "big_project-" + version + ".tar.gz"
                  : "big_project-" + version + "-py3-none-any.whl",
              NOW.minus(Duration.ofDays(young ? 1 : 30))));
    }
    PolicyJudge j =
        judge(
            """
            projects: {deny: ["evil-*", "typo?"]}
            versions: {deny: {big-project: "<10"}, allow: {big-project: "!=20.5"}}
            release-age: {minimum: 7d, exempt: ["mycorp-*"]}
            files: {sdists: block, yank: {big-project: "==30.*"}}
            exceptions: [{project: "big-*", versions: "==40.1", until: 2099-01-01, reason: T, date: 2099-01-01}]
            """);
    JudgedPage judged = j.judge("pypi", page("Big_Project", files.toArray(FileEntry[]::new)));
    assertThat(judged.files()).hasSize(5000);
    for (int i = 0; i < 5000; i++) {
      FileDecision d = judged.files().get(i);
      int major = i / 100;
      boolean blocked = major < 10 || (major == 20 && i % 100 == 5) || i % 7 == 0 || i % 2 == 0;
      if (major == 40 && i % 100 == 1) {
        blocked = false;
      }
      assertThat(d.decision().allowed()).as(d.file().filename()).isEqualTo(!blocked);
      assertThat(d.file().yanked().yanked()).isEqualTo(major == 30);
    }
  }
}
