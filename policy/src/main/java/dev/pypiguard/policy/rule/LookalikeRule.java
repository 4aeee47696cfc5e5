package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.inspection.Action;
import dev.pypiguard.policy.names.LookalikePolicy;
import dev.pypiguard.policy.names.Lookalikes;
import dev.pypiguard.policy.names.PopularProjects;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code lookalikes} rule (README "Look-alike names"): the files of a project that is not
 * popular and whose name imitates a popular one get the policy's action (hold by default), with the
 * imitated name in the reason. A hold is cleared per file by an admin's review, or for the project
 * by {@code lookalikes.allow} or an exception.
 */
public final class LookalikeRule implements Rule {
  /** The rule name of every reason it gives. */
  public static final String NAME = "lookalike";

  private static final int CACHE = 100_000;

  private final LookalikePolicy config;
  private final Inspections reviews;
  private final Lookalikes names;
  private final ConcurrentHashMap<String, Optional<Lookalikes.Imitation>> seen =
      new ConcurrentHashMap<>();

  public LookalikeRule(LookalikePolicy config, Inspections reviews) {
    this.config = Objects.requireNonNull(config, "config");
    this.reviews = Objects.requireNonNull(reviews, "reviews");
    this.names = new Lookalikes(PopularProjects.bundled(), config.popular());
  }

  @Override
  public void check(FileContext f, Findings out) {
    String project = f.project();
    for (var g : config.allow()) {
      if (g.matches(project)) {
        return;
      }
    }
    if (seen.size() > CACHE) {
      seen.clear();
    }
    Optional<Lookalikes.Imitation> i = seen.computeIfAbsent(project, names::imitation);
    if (i.isEmpty()) {
      return;
    }
    String message =
        "project "
            + project
            + " is not popular and its name is "
            + i.get().how()
            + " the popular \""
            + i.get().target()
            + "\" (a typosquat?)";
    Action action = i.get().weak() ? Action.WARN : config.action();
    dev.pypiguard.policy.rule.Verdicts.apply(action, NAME, message, f, reviews, out);
  }

  @Override
  public String fingerprint() {
    return "lookalikes-" + reviews.generation();
  }
}
