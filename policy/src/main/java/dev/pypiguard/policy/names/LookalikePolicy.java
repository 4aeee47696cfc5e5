package dev.pypiguard.policy.names;

import dev.pypiguard.core.project.Glob;
import dev.pypiguard.policy.inspection.Action;
import java.util.List;
import java.util.Objects;

/**
 * {@code lookalikes}: projects named like a popular one that are not popular themselves.
 *
 * @param action what to do with their files
 * @param popular names that count as popular beside the bundled list
 * @param allow projects never treated as look-alikes
 */
public record LookalikePolicy(Action action, List<String> popular, List<Glob> allow) {
  public static final LookalikePolicy OFF = new LookalikePolicy(Action.OFF, List.of(), List.of());

  public LookalikePolicy {
    Objects.requireNonNull(action, "action");
    popular = List.copyOf(popular);
    allow = List.copyOf(allow);
  }

  public boolean active() {
    return action != Action.OFF;
  }
}
