package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.Glob;
import dev.pypiguard.policy.Reason;
import java.util.List;
import java.util.Optional;

/** {@code projects.deny} and, when non-empty, the allowlist {@code projects.allow}. */
record ProjectsRule(List<Glob> allow, List<Glob> deny) implements Rule {
  ProjectsRule {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  /** Why a whole project does not exist, if it does not. */
  Optional<Reason> blocks(String project) {
    for (Glob g : deny) {
      if (g.matches(project)) {
        return Optional.of(
            new Reason("projects", "project " + project + " is denied by \"" + g + "\""));
      }
    }
    if (!allow.isEmpty() && !listed(allow, project)) {
      return Optional.of(
          new Reason(
              "projects", "project " + project + " is not in the allowlist (projects.allow)"));
    }
    return Optional.empty();
  }

  @Override
  public void check(FileContext f, Findings out) {
    blocks(f.project()).ifPresent(out::block);
  }

  /** Whether {@code project} (PEP 503-normalized) matches one of {@code globs}. */
  static boolean listed(List<Glob> globs, String project) {
    for (Glob g : globs) {
      if (g.matches(project)) {
        return true;
      }
    }
    return false;
  }
}
