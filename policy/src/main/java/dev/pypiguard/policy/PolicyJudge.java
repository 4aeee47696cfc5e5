package dev.pypiguard.policy;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.config.Policy;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 *   <li>audit mode turns every remaining block into an allow carrying the would-be reasons,
 *       except the baseline's, which always hold (the proxy cannot serve a file it cannot verify,
 *       and PEP 792 forbids installing from a quarantined project);
 *   <li>notes (a version rule that could not apply to a version that is not PEP 440) are kept
 *       with an allow and dropped from a block, whose reasons then say only why it is blocked.
 * </ul>
 *
 * <p>A local yank ({@code files.yank}) blocks nothing: the served entry is marked yanked, as if
 * the upstream had yanked it, and {@code files.yanked: hide} then hides it like any yanked file.
 *
 * <p>Judgements use the time rounded down to the minute, and {@link #version()} names that minute
 * when the policy has a time-dependent rule, so a cached judged page is the same as judging again
 * and is re-judged as files age.
 */
public final class PolicyJudge implements PageJudge {
  /** The rule name of known-malicious releases, whose reasons no exception lifts. */
  public static final String MALICIOUS = "malicious";

  private static final Logger LOG = LoggerFactory.getLogger(PolicyJudge.class);
  private static final Set<String> BASELINE = Set.of("integrity", "project-status");
  /** Expired exceptions already warned about, once per process (judges come and go on reload). */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final Policy policy;
  private final Clock clock;
  private final Rules.Projects projects;
  private final List<Rule> rules;
  private final Map<String, SpecifierSet> yank;
  private final boolean timeDependent;
  private final String policyVersion;
  private final List<Rule> extraRules;

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
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(firstSeen, "firstSeen");
    this.projects = new Rules.Projects(policy.projects().allow(), policy.projects().deny());
    var list = new ArrayList<Rule>();
    list.add(new Rules.Baseline());
    list.add(projects);
    if (!policy.versions().deny().isEmpty() || !policy.versions().allow().isEmpty()) {
      list.add(new Rules.Versions(byName(policy.versions().deny()), byName(policy.versions().allow())));
    }
    if (policy.releaseAge().active()) {
      list.add(new Rules.ReleaseAge(policy.releaseAge(), firstSeen));
    }
    if (policy.files().sdists() == Policy.Sdists.BLOCK) {
      list.add(new Rules.WheelsOnly());
    }
    if (policy.files().yanked() == Policy.YankedFiles.HIDE) {
      list.add(new Rules.HideYanked());
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
    if (policy.mode() == Policy.Mode.AUDIT) {
      return Optional.empty();
    }
    // A rule that hides the whole project (a malicious advisory on every version); no exception lifts it.
    for (Rule r : extraRules) {
      Optional<Reason> m = r.projectBlocked(project);
      if (m.isPresent()) {
        return m;
      }
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
    Optional<ProjectName> name = ProjectName.parse(page.name());
    String project = name.map(ProjectName::value).orElseGet(() -> ProjectName.normalize(page.name()));
    // Exceptions and yanks are per project: narrow them once per page, not once per file.
    var waivers = new ArrayList<Policy.Waiver>();
    for (Policy.Waiver w : policy.exceptions()) {
      if (w.activeAt(now) && w.project().matches(project)) {
        waivers.add(w);
      }
    }
    SpecifierSet yanks = yank.get(project);
    var out = new ArrayList<FileDecision>(page.files().size());
    for (FileEntry upstreamFile : page.files()) {
      Optional<DistributionFilename> dist =
          name.isPresent()
              ? DistributionFilename.parse(upstreamFile.filename(), name.get())
              : DistributionFilename.parse(upstreamFile.filename());
      String version = dist.map(DistributionFilename::version).orElse("");
      Optional<Version> parsed = version.isEmpty() ? Optional.empty() : Version.tryParse(version);
      FileEntry file = upstreamFile;
      FileContext ctx =
          new FileContext(
              upstream, page, project, file, dist, version, parsed, file.uploadInstant(), now);
      if (yanks != null && !file.yanked().yanked() && Rules.matches(yanks, ctx)) {
        file = file.withYanked(Yanked.because("yanked by policy (files.yank: " + yanks + ")"));
        ctx =
            new FileContext(
                upstream, page, project, file, dist, version, parsed, ctx.uploadTime(), now);
      }
      Findings findings = new Findings();
      for (Rule r : rules) {
        r.check(ctx, findings);
      }
      out.add(new FileDecision(file, version, decide(ctx, findings, waivers)));
    }
    return new JudgedPage(page, out);
  }

  private Decision decide(FileContext ctx, Findings findings, List<Policy.Waiver> waivers) {
    List<Reason> blocks = findings.blocks();
    if (blocks.isEmpty()) {
      return findings.notes().isEmpty() ? Decision.ALLOW : new Decision.Allow(findings.notes());
    }
    boolean baseline = false;
    boolean malicious = false;
    for (Reason r : blocks) {
      baseline |= BASELINE.contains(r.rule());
      malicious |= MALICIOUS.equals(r.rule());
    }
    if (!baseline && !malicious) {
      for (Policy.Waiver w : waivers) {
        if (w.versions().isEmpty() || Rules.matches(w.versions().get(), ctx)) {
          var reasons = new ArrayList<Reason>(blocks.size() + 1 + findings.notes().size());
          reasons.add(new Reason("exception", allowedBy(w)));
          reasons.addAll(blocks);
          reasons.addAll(findings.notes());
          return new Decision.Allow(reasons);
        }
      }
    }
    if (policy.mode() == Policy.Mode.AUDIT && !baseline) {
      var reasons = new ArrayList<Reason>(blocks);
      reasons.addAll(findings.notes());
      return new Decision.Allow(reasons);
    }
    return new Decision.Block(blocks);
  }

  private static String allowedBy(Policy.Waiver w) {
    return "allowed by the exception for "
        + w.project()
        + w.versions().map(v -> " " + v).orElse("")
        + " until "
        + w.until()
        + ": "
        + w.reason();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MINUTES);
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
   * refreshed advisories change it without a new judge), and, when a rule depends on time, the
   * current minute: {@code policy-<sha256>+advisories-osv-...@2026-11-21T10:00Z}.
   */
  @Override
  public String version() {
    StringBuilder v = new StringBuilder(policyVersion);
    for (Rule r : extraRules) {
      String fp = r.fingerprint();
      if (!fp.isEmpty()) {
        v.append('+').append(fp);
      }
    }
    return timeDependent ? v.append('@').append(now()).toString() : v.toString();
  }
}
