package dev.pypiguard.policy.inspection;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code inspection}: artifact inspection as policy. Without the section, nothing is inspected.
 *
 * @param active whether the section is there
 * @param actions the action per check id; a check not listed blocks when its severity is high and
 *     warns otherwise
 */
public record InspectionPolicy(boolean active, Map<String, Action> actions) {
  public static final InspectionPolicy NONE = new InspectionPolicy(false, Map.of());

  public InspectionPolicy {
    actions = Collections.unmodifiableMap(new TreeMap<>(actions));
  }

  /** What to do with a finding of {@code rule} whose severity is {@code severity}. */
  public Action action(String rule, Finding.Severity severity) {
    Action a = actions.get(rule);
    if (a != null) {
      return a;
    }
    return severity == Finding.Severity.HIGH ? Action.BLOCK : Action.WARN;
  }
}
