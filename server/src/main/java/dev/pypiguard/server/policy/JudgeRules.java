package dev.pypiguard.server.policy;

import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.rule.Inspections;
import dev.pypiguard.policy.rule.LookalikeRule;
import dev.pypiguard.policy.rule.MetadataRule;
import dev.pypiguard.policy.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The rules a judge adds to a policy's own, built in one place for {@code serve} (and so {@code
 * seed}, which judges through an in-process server), {@code check} and {@code export}, so that they
 * cannot drift (README §Fail closed): advisories, provenance verdicts, the {@code metadata} rule,
 * and inspection with look-alike names.
 *
 * <p>Each command gives what it has: without an inspection store (check, which has downloaded no
 * file), look-alike names are still judged, as they need no download, and files are not inspected.
 */
public final class JudgeRules implements Function<Policy, List<Rule>> {
  private final Optional<AdvisoryFeed> advisories;
  private final Optional<VerdictStore> verdicts;
  private final MetadataRule.Source metadata;
  private final Optional<InspectionStore> inspections;

  public JudgeRules(
      Optional<AdvisoryFeed> advisories,
      Optional<VerdictStore> verdicts,
      MetadataRule.Source metadata,
      Optional<InspectionStore> inspections) {
    this.advisories = Objects.requireNonNull(advisories, "advisories");
    this.verdicts = Objects.requireNonNull(verdicts, "verdicts");
    this.metadata = Objects.requireNonNull(metadata, "metadata");
    this.inspections = Objects.requireNonNull(inspections, "inspections");
  }

  @Override
  public List<Rule> apply(Policy p) {
    var rules = new ArrayList<Rule>(advisories.map(a -> a.rules(p)).orElse(List.of()));
    verdicts.ifPresent(v -> rules.addAll(v.rules(p)));
    rules.add(new MetadataRule(p.metadata(), metadata));
    if (inspections.isPresent()) {
      rules.addAll(inspections.get().rules(p));
    } else if (p.lookalikes().active()) {
      rules.add(new LookalikeRule(p.lookalikes(), Inspections.none()));
    }
    return rules;
  }
}
