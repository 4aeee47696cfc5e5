package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void aLabel_isBuiltOncePerValue_andFollowsEveryChange() {
    var labels = new Labels("known-");
    String first = labels.of(7);
    assertThat(first).isEqualTo("known-7");
    assertThat(labels.of(7)).isSameAs(first);
    assertThat(labels.of(8)).isEqualTo("known-8");
    assertThat(labels.of(7)).isEqualTo("known-7").isNotSameAs(first);
    // A text value equal to a number's digits is a value of its own kind: built, not confused.
    assertThat(labels.of("7")).isEqualTo("known-7");
    String text = labels.of("osv-abc");
    assertThat(text).isEqualTo("known-osv-abc");
    assertThat(labels.of(new String("osv-abc"))).isSameAs(text);
    assertThat(labels.of("osv-abd")).isEqualTo("known-osv-abd");
  }
}
