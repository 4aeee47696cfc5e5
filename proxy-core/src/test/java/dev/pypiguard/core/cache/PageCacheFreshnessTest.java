package dev.pypiguard.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A cached page's age against its TTL, as every page hit asks it. */
class PageCacheFreshnessTest {
  private static final Instant FETCHED =
      Instant.parse("2026-12-01T10:00:00.123Z"); // the clock counts milliseconds

  private static boolean younger(Duration age, Duration ttl) {
    return PageCache.younger(FETCHED.plus(age).toEpochMilli(), FETCHED, ttl);
  }

  @Test
  void agesBelowTheTtl_areFresh_andTheTtlItselfIsNot() {
    Duration ttl = Duration.ofMinutes(10);
    assertThat(younger(Duration.ZERO, ttl)).isTrue();
    assertThat(younger(ttl.minusMillis(1), ttl)).isTrue();
    assertThat(younger(ttl, ttl)).isFalse();
    assertThat(younger(ttl.plusMillis(1), ttl)).isFalse();
    assertThat(younger(Duration.ofDays(3), ttl)).isFalse();
  }

  @Test
  void subSecondTtls_andAFetchFromTheFuture_areCompared() {
    Duration ttl = Duration.ofMillis(1500);
    assertThat(younger(Duration.ofMillis(1499), ttl)).isTrue();
    assertThat(younger(Duration.ofMillis(1501), ttl)).isFalse();
    assertThat(PageCache.younger(FETCHED.minusSeconds(5).toEpochMilli(), FETCHED, ttl)).isTrue();
    assertThat(younger(Duration.ofDays(1), Duration.ZERO)).isFalse();
  }

  /** Milliseconds of this TTL overflow a long; the comparison must not. */
  @Test
  void aHugeTtl_neitherOverflowsNorThrows() {
    Duration ttl = Duration.ofDays(1_000_000_000_000L);
    assertThat(younger(Duration.ofDays(365_000), ttl)).isTrue();
    assertThat(PageCache.younger(0, Instant.MIN, Duration.ofDays(1))).isFalse();
    assertThat(PageCache.younger(0, Instant.MAX, Duration.ofDays(1))).isTrue();
  }
}
