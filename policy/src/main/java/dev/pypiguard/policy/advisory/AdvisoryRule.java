package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.FileContext;
import dev.pypiguard.policy.Findings;
import dev.pypiguard.policy.PolicyJudge;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.Rule;
import dev.pypiguard.policy.config.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code advisories} rule (INTERFACE.md §5, §6): blocks releases that OSV advisories name as
 * malicious (rule {@value PolicyJudge#MALICIOUS}, which nothing lifts) and, when the policy says
 * so, vulnerable releases whose advisory reaches {@code min-severity} (rule {@code advisories}).
 *
 * <p>Its {@link #fingerprint()} is the advisories' generation, read at each call, so a refreshed
 * database changes the judge's version and re-judges cached pages at once.
 */
public final class AdvisoryRule implements Rule {
  /** The rule name of vulnerable releases. */
  public static final String NAME = "advisories";

  private final Policy.Advisories config;
  private final AdvisoryLookup lookup;

  /** The rule of {@code config} (the policy's {@code advisories} section) over {@code lookup}. */
  public AdvisoryRule(Policy.Advisories config, AdvisoryLookup lookup) {
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
    var vulnerable = new ArrayList<String>();
    for (Advisory a : lookup.affecting(project.get(), file.version())) {
      if (a.malicious()) {
        // Malicious releases are blocked whatever the policy says, ignores included.
        findings.block(new Reason(PolicyJudge.MALICIOUS, describeMalicious(a)));
        continue;
      }
      if (!config.vulnerable()) {
        continue;
      }
      Optional<Policy.AdvisoryIgnore> ignored =
          config.ignore().stream()
              .filter(i -> i.activeAt(file.now()) && a.knownAs(i.id()))
              .findFirst();
      if (ignored.isPresent()) {
        Policy.AdvisoryIgnore i = ignored.get();
        findings.note(new Reason(NAME, a.id() + " ignored until " + i.until() + ": " + i.reason()));
        continue;
      }
      // INTERFACE.md §5: an advisory without a severity counts as high.
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
   * Why the whole project is hidden: a malicious advisory affecting every version of it.
   * {@link PolicyJudge#projectBlocked} asks this.
   */
  @Override
  public Optional<Reason> projectBlocked(ProjectName project) {
    return lookup.maliciousProject(project)
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
    return "advisories-" + lookup.generation();
  }

  /** Ignores expire, so judgements change with time when there are any. */
  @Override
  public boolean timeDependent() {
    return !config.ignore().isEmpty();
  }
}
