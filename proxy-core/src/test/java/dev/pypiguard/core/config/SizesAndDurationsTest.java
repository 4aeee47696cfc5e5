package dev.pypiguard.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sizes and durations the README and the shipped config write, and what is refused. */
class SizesAndDurationsTest {
  @Test
  void sizes_asConfigWritesThem_powersOf1024() {
    assertThat(Sizes.parse("512")).contains(512L);
    assertThat(Sizes.parse("64KB")).contains(64L << 10);
    assertThat(Sizes.parse("4MB")).contains(4L << 20);
    assertThat(Sizes.parse("4 MiB")).contains(4L << 20);
    assertThat(Sizes.parse("200GB")).contains(200L << 30);
    assertThat(Sizes.parse("1tb")).contains(1L << 40);
  }

  @Test
  void sizes_notSizes_orOverflowing_areRefused() {
    assertThat(Sizes.parse("lots")).isEmpty();
    assertThat(Sizes.parse("-1GB")).isEmpty();
    assertThat(Sizes.parse("1.5GB")).isEmpty();
    assertThat(Sizes.parse("999999999999999TB")).isEmpty();
    assertThat(Sizes.parse(null)).isEmpty();
  }

  @Test
  void durations_shortFormsAndIso8601() {
    assertThat(Durations.parse("500ms")).contains(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).contains(Duration.ofSeconds(30));
    assertThat(Durations.parse("10m")).contains(Duration.ofMinutes(10));
    assertThat(Durations.parse("12h")).contains(Duration.ofHours(12));
    assertThat(Durations.parse("7d")).contains(Duration.ofDays(7));
    assertThat(Durations.parse("2w")).contains(Duration.ofDays(14));
    assertThat(Durations.parse("P7D")).contains(Duration.ofDays(7));
    assertThat(Durations.parse("soon")).isEmpty();
    assertThat(Durations.parse("-P1D")).isEmpty();
    assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
