package dev.pypiguard.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.config.BuiltInPolicy;
import dev.pypiguard.policy.rule.InspectionRule;
import dev.pypiguard.policy.rule.LookalikeRule;
import dev.pypiguard.policy.rule.MetadataRule;
import dev.pypiguard.policy.rule.Rule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one rule list of serve, check and export (issue 13, one judgement path). */
class JudgeRulesTest {
  @TempDir Path dir;

  static List<Class<?>> kinds(List<Rule> rules) {
    return rules.stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void withAnInspectionStore_inspectionLookalikesAndMetadata_asServeJudges() {
    // Inspection is opt-in (not in the built-in policy): a policy that turns it on.
    Policy p =
        dev.pypiguard.policy.config.PolicyLoader.parse(
            "policy", "inspection: {}\nlookalikes: {action: hold}\n");
    assertThat(p.inspection().active()).isTrue();
    assertThat(p.lookalikes().active()).isTrue();
    try (var inspections =
        new InspectionStore(dir, Optional.empty(), new SimpleMeterRegistry(), Clock.systemUTC())) {
      var rules =
          new JudgeRules(
                  Optional.empty(),
                  Optional.empty(),
                  new StoredMetadata(),
                  Optional.of(inspections))
              .apply(p);
      assertThat(kinds(rules))
          .containsExactly(MetadataRule.class, InspectionRule.class, LookalikeRule.class);
    }
  }

  @Test
  void withoutAnInspectionStore_namesStillJudged_filesNotInspected() {
    var rules =
        new JudgeRules(Optional.empty(), Optional.empty(), new StoredMetadata(), Optional.empty())
            .apply(BuiltInPolicy.policy());
    assertThat(kinds(rules)).containsExactly(MetadataRule.class, LookalikeRule.class);
    assertThat(
            kinds(
                new JudgeRules(
                        Optional.empty(), Optional.empty(), new StoredMetadata(), Optional.empty())
                    .apply(Policy.DEFAULTS)))
        .containsExactly(MetadataRule.class);
  }
}
