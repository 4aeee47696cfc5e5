package dev.pypiguard.server.admin;

import dev.pypiguard.server.auth.AccessTokens;
import dev.pypiguard.server.config.Reload;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.config.WatchedFile;
import dev.pypiguard.server.policy.LivePolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What operators see and do while the server runs: who may come in (the tokens file), how the
 * upstreams are doing, the recent blocking decisions, and reloading the policy and tokens.
 */
public final class Operations implements AutoCloseable {
  /** How many distinct blocking decisions the admin API and status page remember. */
  public static final int RECENT_BLOCKS = 500;

  private final LivePolicy policy;
  private final Optional<WatchedFile<AccessTokens>> tokens;
  private final RecentBlocks blocks = new RecentBlocks(RECENT_BLOCKS);
  private final UpstreamHealth health;
  private final Instant started;
  private final Clock clock;

  /** The last measurement of the store's disk usage, with what was stored since. */
  private @Nullable Measured usage;

  /**
   * How long a measurement is reused at most: eviction and other processes (import) change the
   * store too.
   */
  public static final java.time.Duration USAGE_TTL = java.time.Duration.ofSeconds(30);

  /** Files and bytes in the store, and when they were last counted by a walk. */
  public record Measured(long files, long bytes, Instant at) {}

  /** Reads the tokens file of {@code config}, if any: a bad one is a ConfigException. */
  public Operations(ServerConfig config, LivePolicy policy, MeterRegistry registry, Clock clock) {
    this.policy = policy;
    this.health = new UpstreamHealth(clock);
    this.started = clock.instant();
    this.clock = clock;
    this.tokens =
        config
            .tokensFile()
            .map(
                f ->
                    new WatchedFile<>(
                        "tokens",
                        f,
                        (path, bytes) ->
                            AccessTokens.parse(
                                path.toString(),
                                new String(bytes, StandardCharsets.UTF_8),
                                AccessTokens::environment),
                        t -> t.size() + " principal(s)",
                        registry,
                        "pypiguard.auth.reloads"));
  }

  /** Whether clients must authenticate. */
  public boolean authEnabled() {
    return tokens.isPresent();
  }

  /** The tokens and users in force, when auth is on. */
  public Optional<AccessTokens> tokens() {
    return tokens.map(WatchedFile::current);
  }

  public RecentBlocks blocks() {
    return blocks;
  }

  public UpstreamHealth health() {
    return health;
  }

  /**
   * The store's usage, measured by {@code measure} (a walk of every stored file) only when there is
   * no measurement, a purge dropped it, or {@link #USAGE_TTL} passed: a status page reloaded in a
   * loop, or on a busy server, must not walk a million files each time. Files this server stores
   * meanwhile are added to the measurement as they come ({@link #storeAdded}). One walk runs at a
   * time; callers meanwhile wait for it and share its answer.
   */
  public synchronized Measured storeUsage(java.util.function.Supplier<long[]> measure) {
    Instant now = clock.instant();
    if (usage == null || usage.at().plus(USAGE_TTL).isBefore(now)) {
      long[] n = measure.get();
      usage = new Measured(n[0], n[1], now);
    }
    return usage;
  }

  /** A file of {@code bytes} was stored: counted without measuring again. */
  public synchronized void storeAdded(long bytes) {
    if (usage != null) {
      usage = new Measured(usage.files() + 1, usage.bytes() + bytes, usage.at());
    }
  }

  /** Files were removed (a purge): the next look measures again. */
  public synchronized void storeChanged() {
    usage = null;
  }

  public Instant started() {
    return started;
  }

  public LivePolicy policy() {
    return policy;
  }

  /** Reads the policy file and the tokens file now: what each reload did, by file kind. */
  public Map<String, Reload> reload() {
    var out = new LinkedHashMap<String, Reload>();
    out.put("policy", policy.reload());
    tokens.ifPresent(t -> out.put("tokens", t.reload()));
    return out;
  }

  /** Starts watching the tokens file for changes (the policy watches itself). */
  public void watch(long periodMillis) {
    tokens.ifPresent(t -> t.watch(periodMillis));
  }

  @Override
  public void close() {
    tokens.ifPresent(WatchedFile::close);
  }
}
