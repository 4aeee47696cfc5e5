package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.advisory.Advisory;
import dev.pypiguard.policy.advisory.AdvisoryIgnore;
import dev.pypiguard.policy.advisory.AdvisoryLookup;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.advisory.OnUnavailable;
import dev.pypiguard.policy.advisory.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code advisories} rule (README "Policy", "Advisories"): blocks releases that OSV advisories
 * name as malicious (rule {@value PolicyJudge#MALICIOUS}, which nothing lifts) and, when the policy
 * says so, vulnerable releases whose advisory reaches {@code min-severity} (rule {@code
 * advisories}).
 *
 * <p>Its {@link #fingerprint()} is the advisories' generation, read at each call, so a refreshed
 * database changes the judge's version and re-judges cached pages at once.
 */
public final class AdvisoryRule implements Rule {
  /** The rule name of vulnerable releases. */
  public static final String NAME = "advisories";

  private final AdvisoryPolicy config;
  private final AdvisoryLookup lookup;
  private final Labels fingerprint = new Labels("advisories-");

  /** The rule of {@code config} (the policy's {@code advisories} section) over {@code lookup}. */
  public AdvisoryRule(AdvisoryPolicy config, AdvisoryLookup lookup) {
    this.config = Objects.requireNonNull(config, "config");
    this.lookup = Objects.requireNonNull(lookup, "lookup");
  }

  @Override
  public void check(FileContext file, Findings findings) {
    if (file.version().isEmpty()) {
      return;
    }
    Optional<ProjectName> project = ProjectName.parse(file.project());
    if (project.isEmpty()) {
      return;
    }
    // A local version (1.0.1+build) is also looked up as its public version: an online source
    // answers for releases as published.
    List<String> asked =
        file.parsedVersion()
            .filter(v -> v.local().isPresent())
            .map(v -> List.of(file.version(), v.publicVersion().toString()))
            .orElse(List.of(file.version()));
    var affecting = new java.util.LinkedHashMap<String, Advisory>();
    boolean answered = true;
    for (String v : asked) {
      lookup.affecting(project.get(), v).forEach(a -> affecting.putIfAbsent(a.id(), a));
      answered &= lookup.answered(project.get(), v);
    }
    if (!answered) {
      String why = lookup.unansweredWhy() + " for " + file.project() + " " + file.version();
      if (config.onUnavailable() == OnUnavailable.HOLD) {
        // README §Fail closed: never judged without a source that could name it malicious.
        findings.block(
            Reason.pending(
                NAME, why + "; held until it answers (advisories.on-unavailable: hold)"));
      } else {
        findings.note(
            new Reason(NAME, why + "; judged without it (advisories.on-unavailable: allow)"));
      }
    }
    var vulnerable = new ArrayList<String>();
    for (Advisory a : affecting.values()) {
      if (a.malicious()) {
        // Malicious releases are blocked whatever the policy says, ignores included.
        findings.block(new Reason(PolicyJudge.MALICIOUS, describeMalicious(a)));
        continue;
      }
      if (!config.vulnerable()) {
        continue;
      }
      Optional<AdvisoryIgnore> ignored =
          config.ignore().stream()
              .filter(i -> i.activeAt(file.now()) && a.knownAs(i.id()))
              .findFirst();
      if (ignored.isPresent()) {
        AdvisoryIgnore i = ignored.get();
        findings.note(
            new Reason(
                NAME,
                a.id() + " ignored until " + i.until() + ": " + i.reason(),
                Optional.of(i.until().expires())));
        continue;
      }
      // README "Advisories": an advisory without a severity counts as high.
      Severity s = a.severity().orElse(Severity.HIGH);
      if (s.compareTo(config.minSeverity()) >= 0) {
        vulnerable.add(describe(a, file.project(), file.parsedVersion()));
      }
    }
    if (!vulnerable.isEmpty()) {
      findings.block(new Reason(NAME, String.join("; ", vulnerable)));
    }
  }

  /**
   * Why the whole project is hidden: a malicious advisory affecting every version of it. {@link
   * PolicyJudge#projectBlocked} asks this.
   */
  @Override
  public Optional<Reason> projectBlocked(ProjectName project) {
    return lookup
        .maliciousProject(project)
        .map(a -> new Reason(PolicyJudge.MALICIOUS, describeMalicious(a) + " (every version)"));
  }

  private static String describeMalicious(Advisory a) {
    return a.id() + aliases(a) + (a.summary().isBlank() ? "" : ": " + a.summary().strip());
  }

  /** {@code PYSEC-2024-38 (GHSA-xxxx-xxxx-xxxx), high: fixed in 3.1.4}. */
  static String describe(Advisory a, String project, Optional<Version> version) {
    String severity = a.severity().map(Severity::spelling).orElse("high (unrated)");
    Optional<String> fixed = version.flatMap(v -> a.nearestFixed(project, v));
    return a.id()
        + aliases(a)
        + ", "
        + severity
        + ": "
        + fixed.map(f -> "fixed in " + f).orElse("no fixed version");
  }

  private static String aliases(Advisory a) {
    List<String> others = a.aliases();
    return others.isEmpty() ? "" : " (" + String.join(", ", others) + ")";
  }

  @Override
  public String fingerprint() {
    return fingerprint.of(lookup.generation());
  }

  /** Ignores expire, so judgements change with time when there are any. */
  @Override
  public boolean timeDependent() {
    return !config.ignore().isEmpty();
  }
}
