package dev.pypiguard.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pypiguard.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: the limits and deadlines against hostile peers, as the config file sets them. */
class LimitsConfigTest {
  @TempDir Path dir;

  private ServerConfig load(String yaml) throws Exception {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, yaml);
    return ConfigLoader.load(
        Optional.of(cfg),
        new ConfigLoader.Flags(
            Optional.empty(),
            Optional.empty(),
            Optional.of(dir),
            Optional.empty(),
            Optional.empty(),
            false,
            List.of()));
  }

  @Test
  void defaults_whenNotSet() throws Exception {
    assertThat(load("offline: false\n").limits()).isEqualTo(Limits.DEFAULTS);
  }

  @Test
  void everyKey_isRead() throws Exception {
    Limits l =
        load("""
        timeouts: {request-headers: 5s, idle: 30s}
        limits: {connections: 1000, connections-per-client: 50, file-size: 1GB, page-size: 32MB}
        """)
            .limits();
    assertThat(l)
        .isEqualTo(
            new Limits(
                Duration.ofSeconds(5), Duration.ofSeconds(30), 1000, 50, 1L << 30, 32L << 20));
  }

  @Test
  void zeroTimeouts_andBadLimits_areErrorsNamingTheKey() throws Exception {
    Path cfg = dir.resolve("c.yaml");
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                load(
                    """
        timeouts: {read: 0s, connect: 0s, request-headers: 0ms}
        limits: {connections: 0, connections-per-client: many, page-size: 0}
        """));
    assertThat(e.getMessage())
        .contains(
            cfg + ":1: timeouts.read: \"0s\" (expected: a duration > 0, like 10s)",
            cfg + ":1: timeouts.connect: \"0s\"",
            cfg + ":1: timeouts.request-headers: \"0ms\"",
            "limits.connections: 0 (expected: a whole number >= 1)",
            "limits.connections-per-client: \"many\"",
            "limits.page-size: \"0\" (expected: a size > 0");
  }
}
