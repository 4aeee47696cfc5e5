package dev.pypiguard.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.policy.rule.InMemoryFirstSeen;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.policy.LivePolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page's measurement of the store: one walk, then counted as files come. */
class OperationsTest {
  @TempDir Path dir;

  static final class MovableClock extends Clock {
    Instant now = Instant.parse("2026-11-25T10:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void storeUsage_walksOnce_addsStoredFiles_walksAgainAfterAPurgeOrTheTtl() {
    var clock = new MovableClock();
    var registry = new SimpleMeterRegistry();
    var policy =
        new LivePolicy(Optional.empty(), new InMemoryFirstSeen(), clock, registry, p -> List.of());
    var ops =
        new Operations(
            ServerConfig.defaults(URI.create("http://127.0.0.1:1/simple/"), dir),
            policy,
            registry,
            clock);
    var walks = new AtomicInteger();
    java.util.function.Supplier<long[]> walk =
        () -> {
          walks.incrementAndGet();
          return new long[] {10, 1_000};
        };

    assertThat(ops.storeUsage(walk).files()).isEqualTo(10);
    for (int i = 0; i < 5; i++) {
      ops.storeAdded(100);
    }
    Operations.Measured m = ops.storeUsage(walk);
    assertThat(m.files()).isEqualTo(15);
    assertThat(m.bytes()).isEqualTo(1_500);
    assertThat(walks).hasValue(1);

    ops.storeChanged();
    assertThat(ops.storeUsage(walk).files()).isEqualTo(10);
    assertThat(walks).hasValue(2);

    clock.now = clock.now.plus(Operations.USAGE_TTL).plus(Duration.ofSeconds(1));
    ops.storeUsage(walk);
    assertThat(walks).hasValue(3);
    policy.close();
  }
}
