package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy engine: judges every file of a page by the baseline, the policy file's rules and any
 * further {@link Rule}s, then applies exceptions and audit mode.
 *
 * <p>Rules run in a fixed order (baseline, projects, versions, release-age, sdists, yanked, then
 * the extra rules) and every reason is kept, not just the first. Then:
 *
 * <ul>
 *   <li>an exception that covers the file and has not expired turns a block into an allow whose
 *       reasons are the exception's ({@code exception}) followed by what it lifted; it cannot lift
 *       {@value #MALICIOUS} nor the baseline ({@code integrity}, {@code project-status});
 *   <li>audit mode turns every remaining block into an allow carrying the would-be reasons, except
 *       the baseline's, which always hold (the proxy cannot serve a file it cannot verify, and PEP
 *       792 forbids installing from a quarantined project);
 *   <li>notes (a version rule that could not apply to a version that is not PEP 440) are kept with
 *       an allow and dropped from a block, whose reasons then say only why it is blocked.
 * </ul>
 *
 * <p>A local yank ({@code files.yank}) blocks nothing: the served entry is marked yanked, as if the
 * upstream had yanked it, and {@code files.yanked: hide} then hides it like any yanked file.
 *
 * <p>A judged page says when time alone may change it ({@link JudgedPage#nextChange}: the earliest
 * cooldown end, exception expiry or advisory-ignore expiry among its files), so a cached judged
 * page is the same as judging again until that instant, and is judged again then, not before
 * (README "Speed"). Messages that say an age ({@code uploaded 2 days ago}) say it as of the
 * judgement.
 */
public final class PolicyJudge implements PageJudge {
  /** The rule name of known-malicious releases, whose reasons no exception lifts. */
  public static final String MALICIOUS = "malicious";

  private static final Logger LOG = LoggerFactory.getLogger(PolicyJudge.class);

  /** The rule of a file the engine cannot fully name (README §Fail closed). */
  public static final String FILENAME = "filename";

  private static final Rule FILE_NAMES = new FileNameRule();

  /**
   * Rules that always block: no exception lifts them and audit mode does not turn them into allows
   * (README §Fail closed). The proxy cannot serve what it cannot verify or name, PEP 792 forbids
   * installing from a quarantined project, and a known-malicious release stays out.
   */
  static final Set<String> ALWAYS = Set.of("integrity", "project-status", FILENAME, MALICIOUS);

  /** Expired exceptions already warned about, once per process (judges come and go on reload). */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final Policy policy;
  private final Clock clock;
  private final ProjectsRule projects;
  private final List<Rule> rules;
  private final Map<String, SpecifierSet> yank;
  private final boolean timeDependent;
  private final String policyVersion;
  private final List<Rule> extraRules;
  private final KnownFiles knownFiles;
  private final FirstSeen firstSeen;

  /** A judge of {@code policy} with no rules beyond the policy file's. */
  public PolicyJudge(Policy policy, Clock clock, FirstSeen firstSeen) {
    this(policy, clock, firstSeen, List.of());
  }

  /**
   * A judge of {@code policy} that also runs {@code extraRules}, after the built-in ones.
   *
   * @param firstSeen where {@code release-age.unknown: first-seen} keeps first sightings
   */
  public PolicyJudge(Policy policy, Clock clock, FirstSeen firstSeen, List<Rule> extraRules) {
    this(policy, clock, firstSeen, KnownFiles.inMemory(), extraRules);
  }

  /**
   * A judge of {@code policy} that also runs {@code extraRules}, after the built-in ones.
   *
   * @param firstSeen where {@code release-age.unknown: first-seen} keeps first sightings
   * @param knownFiles the sha256 each file name was first seen with, for swaps
   */
  public PolicyJudge(
      Policy policy,
      Clock clock,
      FirstSeen firstSeen,
      KnownFiles knownFiles,
      List<Rule> extraRules) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.knownFiles = Objects.requireNonNull(knownFiles, "knownFiles");
    this.firstSeen = firstSeen;
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(firstSeen, "firstSeen");
    this.projects = new ProjectsRule(policy.projects().allow(), policy.projects().deny());
    var list = new ArrayList<Rule>();
    list.add(new BaselineRule(policy.files().weakHashes() == Policy.WeakHashes.VERIFY_AND_PIN));
    list.add(projects);
    if (!policy.versions().deny().isEmpty() || !policy.versions().allow().isEmpty()) {
      list.add(
          new VersionsRule(byName(policy.versions().deny()), byName(policy.versions().allow())));
    }
    if (policy.releaseAge().active()) {
      list.add(new ReleaseAgeRule(policy.releaseAge(), firstSeen));
    }
    if (policy.files().sdists() == Policy.Sdists.BLOCK) {
      list.add(new WheelsOnlyRule());
    }
    if (policy.files().yanked() == Policy.YankedFiles.HIDE) {
      list.add(new HideYankedRule());
    }
    list.addAll(extraRules);
    this.rules = List.copyOf(list);
    this.yank = byName(policy.files().yank());
    this.timeDependent =
        !policy.exceptions().isEmpty() || rules.stream().anyMatch(Rule::timeDependent);
    this.policyVersion = "policy-" + policy.digest();
    this.extraRules = List.copyOf(extraRules);
  }

  private static Map<String, SpecifierSet> byName(Map<ProjectName, SpecifierSet> map) {
    var out = new HashMap<String, SpecifierSet>();
    map.forEach((k, v) -> out.put(k.value(), v));
    return out;
  }

  @Override
  public Policy.BlockedFiles blockedFiles() {
    return policy.files().blocked();
  }

  /** The policy this judge applies. */
  public Policy policy() {
    return policy;
  }

  /**
   * Why a whole project does not exist ({@code projects.deny}, or absent from the allowlist), for
   * hiding it from {@code /simple/} and answering 404. Empty in audit mode, and when an exception
   * that has not expired covers the project.
   */
  @Override
  public Optional<Reason> projectBlocked(ProjectName project) {
    // A rule that hides the whole project (a malicious advisory on every version): neither an
    // exception nor audit mode lifts it.
    for (Rule r : extraRules) {
      Optional<Reason> m = r.projectBlocked(project);
      if (m.isPresent()) {
        return m;
      }
    }
    if (policy.mode() == Policy.Mode.AUDIT) {
      return Optional.empty();
    }
    Optional<Reason> reason = projects.blocks(project.value());
    if (reason.isEmpty()) {
      return reason;
    }
    Instant now = now();
    warnExpired(now);
    for (Policy.Waiver w : policy.exceptions()) {
      if (w.activeAt(now) && w.project().matches(project)) {
        return Optional.empty();
      }
    }
    return reason;
  }

  @Override
  public JudgedPage judge(String upstream, ProjectPage page) {
    Instant now = now();
    warnExpired(now);
    Scope scope = scope(page, now);
    Map<String, Set<String>> hashesByName = hashesByName(page);
    var done = new java.util.HashSet<String>();
    var out = new ArrayList<FileDecision>(page.files().size());
    Instant next = null;
    for (FileEntry upstreamFile : page.files()) {
      // Two entries with one name are one file with one decision (the first entry's), so the
      // page and /files/ can never disagree about it.
      if (!done.add(upstreamFile.filename())) {
        continue;
      }
      OneFile j =
          judgeOne(upstream, page, scope, upstreamFile, hashesByName.get(upstreamFile.filename()));
      out.add(j.decision());
      if (timeDependent) {
        next = earliest(next, now, j.findings().blocks());
        next = earliest(next, now, j.findings().notes());
      }
    }
    if (timeDependent) {
      for (Policy.Waiver w : scope.waivers()) {
        next = earlier(next, w.until().expires());
      }
    }
    knownFiles.flush(); // the page's new pins, durable in one write before any decision is used
    return new JudgedPage(page, out, Optional.ofNullable(next));
  }

  /**
   * The decision {@link #judge} makes for {@code filename} (its page's first entry of that name),
   * without judging the page's other files: what a file request needs when the page's judgement is
   * not cached, as after each new core metadata file (README "Speed").
   */
  @Override
  public Optional<FileDecision> judgeFile(String upstream, ProjectPage page, String filename) {
    List<FileEntry> named = page.filesNamed(filename);
    if (named.isEmpty()) {
      return Optional.empty();
    }
    FileEntry first = named.get(0);
    var hashes = new java.util.TreeSet<String>();
    for (FileEntry f : named) {
      hashes.add(f.sha256().orElse(""));
    }
    Instant now = now();
    warnExpired(now);
    FileDecision decision = judgeOne(upstream, page, scope(page, now), first, hashes).decision();
    knownFiles.flush();
    return Optional.of(decision);
  }

  /** What a page's files are judged with that is the same for all of them. */
  private record Scope(
      Optional<ProjectName> name,
      String project,
      List<Policy.Waiver> waivers,
      @Nullable SpecifierSet yanks,
      Instant now) {}

  private Scope scope(ProjectPage page, Instant now) {
    Optional<ProjectName> name = ProjectName.parse(page.name());
    String project =
        name.map(ProjectName::value).orElseGet(() -> ProjectName.normalize(page.name()));
    // Exceptions and yanks are per project: narrow them once per page, not once per file.
    var waivers = new ArrayList<Policy.Waiver>();
    for (Policy.Waiver w : policy.exceptions()) {
      if (w.activeAt(now) && w.project().matches(project)) {
        waivers.add(w);
      }
    }
    return new Scope(name, project, waivers, yank.get(project), now);
  }

  /** One file's decision and the findings it was made from. */
  private record OneFile(FileDecision decision, Findings findings) {}

  private OneFile judgeOne(
      String upstream,
      ProjectPage page,
      Scope scope,
      FileEntry upstreamFile,
      @Nullable Set<String> hashesOfName) {
    Optional<DistributionFilename> dist =
        scope.name().isPresent()
            ? DistributionFilename.parse(upstreamFile.filename(), scope.name().get())
            : Optional.empty();
    String version = dist.map(DistributionFilename::version).orElse("");
    Optional<Version> parsed = version.isEmpty() ? Optional.empty() : Version.tryParse(version);
    FileEntry file = withPinnedHash(upstreamFile);
    Instant now = scope.now();
    String project = scope.project();
    FileContext ctx =
        new FileContext(
            upstream, page, project, file, dist, version, parsed, file.uploadInstant(), now);
    SpecifierSet yanks = scope.yanks();
    if (yanks != null && !file.yanked().yanked() && ctx.versionIn(yanks)) {
      file = file.withYanked(Yanked.because("yanked by policy (files.yank: " + yanks + ")"));
      ctx =
          new FileContext(
              upstream, page, project, file, dist, version, parsed, ctx.uploadTime(), now);
    }
    Findings findings = new Findings();
    FILE_NAMES.check(ctx, findings);
    hashes(ctx, hashesOfName, findings);
    for (Rule r : rules) {
      r.check(ctx, findings);
    }
    return new OneFile(
        new FileDecision(file, version, decide(ctx, findings, scope.waivers())), findings);
  }

  /** The earliest of {@code next} and the instants after {@code now} at which a reason lapses. */
  private static @Nullable Instant earliest(
      @Nullable Instant next, Instant now, List<Reason> reasons) {
    for (Reason r : reasons) {
      if (r.lifts().isPresent() && r.lifts().get().isAfter(now)) {
        next = earlier(next, r.lifts().get());
      }
    }
    return next;
  }

  private static Instant earlier(@Nullable Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  /** When an exception that makes a denied project exist expires: the project list changes then. */
  @Override
  public Optional<Instant> nextChange() {
    Instant now = now();
    Instant next = null;
    for (Policy.Waiver w : policy.exceptions()) {
      if (w.activeAt(now)) {
        next = earlier(next, w.until().expires());
      }
    }
    return Optional.ofNullable(next);
  }

  /** Every sha256 each file name is listed with on the page (a missing one counts as ""). */
  private static Map<String, Set<String>> hashesByName(ProjectPage page) {
    var out = new HashMap<String, Set<String>>();
    for (FileEntry f : page.files()) {
      out.computeIfAbsent(f.filename(), k -> new java.util.TreeSet<>()).add(f.sha256().orElse(""));
    }
    return out;
  }

  /**
   * {@code files.weak-hashes: verify-and-pin}: a file without a sha256 whose bytes were verified
   * once by the hash the upstream gives is served by the sha256 pinned then.
   */
  private FileEntry withPinnedHash(FileEntry f) {
    if (f.digest().isPresent() || policy.files().weakHashes() != Policy.WeakHashes.VERIFY_AND_PIN) {
      return f;
    }
    Optional<String> pin = knownFiles.pinned(f.filename());
    if (pin.isEmpty()) {
      return f;
    }
    var hashes = new java.util.LinkedHashMap<String, String>(f.hashes());
    hashes.put("sha256", pin.get());
    return new FileEntry(
        f.filename(),
        f.url(),
        hashes,
        f.requiresPython(),
        f.yanked(),
        f.size(),
        f.uploadTime(),
        f.coreMetadata(),
        f.distInfoMetadata(),
        f.gpgSig(),
        f.provenance(),
        f.extra());
  }

  /**
   * Duplicates and swaps ({@code integrity}): one name listed with several hashes, or a known name
   * listed with other bytes than it was first seen with (PyPI never reuses a file name).
   */
  private void hashes(FileContext f, @Nullable Set<String> listed, Findings out) {
    String n = f.file().filename();
    if (listed != null && listed.size() > 1) {
      out.block(
          new Reason(
              "integrity",
              "the page lists "
                  + n
                  + " with different sha256s ("
                  + String.join(", ", listed.stream().map(h -> h.isEmpty() ? "none" : h).toList())
                  + "), so neither can be trusted"));
      return;
    }
    Optional<String> sha = f.file().sha256();
    if (sha.isEmpty()) {
      return;
    }
    String known = knownFiles.pin(f.project(), n, sha.get());
    if (!known.equals(sha.get())) {
      out.block(
          new Reason(
              "integrity",
              n
                  + " was first seen with sha256 "
                  + known
                  + "; the upstream now gives sha256 "
                  + sha.get()
                  + " (a file name never gets new bytes)"));
    }
  }

  private Decision decide(FileContext ctx, Findings findings, List<Policy.Waiver> waivers) {
    List<Reason> blocks = findings.blocks();
    if (blocks.isEmpty()) {
      return findings.notes().isEmpty() ? Decision.ALLOW : new Decision.Allow(findings.notes());
    }
    boolean always = false;
    for (Reason r : blocks) {
      always |= ALWAYS.contains(r.rule()) || awaitsAdvisories(r);
    }
    if (!always) {
      Optional<Instant> uploaded = ctx.uploadTime();
      for (Policy.Waiver w : waivers) {
        if ((w.versions().isEmpty() || ctx.versionIn(w.versions().get()))
            && w.coversFile(ctx.file().digest(), uploaded.or(() -> sighting(ctx)))) {
          var reasons = new ArrayList<Reason>(blocks.size() + 1 + findings.notes().size());
          reasons.add(new Reason("exception", allowedBy(w)));
          reasons.addAll(blocks);
          reasons.addAll(findings.notes());
          return new Decision.Allow(reasons);
        }
      }
    }
    if (policy.mode() == Policy.Mode.AUDIT) {
      // Audit mode reports instead of blocking, except what always blocks (README §Fail closed).
      var kept =
          blocks.stream().filter(r -> ALWAYS.contains(r.rule()) || awaitsAdvisories(r)).toList();
      if (kept.isEmpty()) {
        var reasons = new ArrayList<Reason>(blocks);
        reasons.addAll(findings.notes());
        return new Decision.Allow(reasons);
      }
      return new Decision.Block(kept);
    }
    return new Decision.Block(blocks);
  }

  /**
   * An advisory source that has not answered yet: it could name the release malicious, so, like
   * {@value #MALICIOUS}, neither an exception nor audit mode lets it through.
   */
  private static boolean awaitsAdvisories(Reason r) {
    return r.pending() && r.rule().equals("advisories");
  }

  /** A file without an upload time: its first sighting stands in for it, for exceptions. */
  private Optional<Instant> sighting(FileContext ctx) {
    return firstSeen == null
        ? Optional.empty()
        : Optional.of(firstSeen.firstSeen(ReleaseAgeRule.firstSeenKey(ctx), ctx.now()));
  }

  private static String allowedBy(Policy.Waiver w) {
    return "allowed by the exception for "
        + w.project()
        + w.versions().map(v -> " " + v).orElse("")
        + (w.sha256s().isEmpty()
            ? " (files uploaded before " + w.date().orElseThrow() + ")"
            : " ("
                + w.sha256s().size()
                + " file"
                + (w.sha256s().size() == 1 ? "" : "s")
                + " by sha256)")
        + " until "
        + w.until()
        + ": "
        + w.reason();
  }

  private Instant now() {
    return clock.instant();
  }

  private void warnExpired(Instant now) {
    for (Policy.Waiver w : policy.exceptions()) {
      if (!w.activeAt(now) && warnOnce(w)) {
        LOG.warn("policy exception {} has expired and is ignored", w.describe());
      }
    }
  }

  /** Whether this is the first time this process notices {@code w} expired. */
  static boolean warnOnce(Policy.Waiver w) {
    return WARNED.add(w.describe() + "@" + w.until().expires());
  }

  /**
   * The policy's digest with every extra rule's current fingerprint (read at each call, so that
   * refreshed advisories change it without a new judge): {@code
   * policy-<sha256>+advisories-osv-...}. Time is not in it: a judged page says when time changes it
   * ({@link JudgedPage#nextChange}).
   */
  @Override
  public String version() {
    // Asked on every page hit (README "Speed"): the parts are compared with the last ones, and
    // the joined string is built only when one of them changed.
    String known = knownFiles.generation();
    String[] fingerprints = new String[extraRules.size()];
    for (int i = 0; i < fingerprints.length; i++) {
      fingerprints[i] = extraRules.get(i).fingerprint();
    }
    Judged last = lastVersion;
    if (last != null
        && known.equals(last.known())
        && Arrays.equals(fingerprints, last.fingerprints())) {
      return last.value(); // the same instance while nothing changed: its hash is computed once
    }
    StringBuilder v = new StringBuilder(policyVersion).append('+').append(known);
    for (String fp : fingerprints) {
      if (!fp.isEmpty()) {
        v.append('+').append(fp);
      }
    }
    Judged now = new Judged(known, fingerprints, v.toString());
    lastVersion = now;
    return now.value;
  }

  /** A {@link #version()} with the parts it was joined from. */
  private record Judged(String known, String[] fingerprints, String value) {}

  /** The last {@link #version()}, kept so that a page hit hashes one stable instance. */
  private volatile @Nullable Judged lastVersion;
}
