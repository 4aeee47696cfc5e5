package dev.pypiguard.server.admin;

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

  /** Reads the tokens file of {@code config}, if any: a bad one is a ConfigException. */
  public Operations(ServerConfig config, LivePolicy policy, MeterRegistry registry, Clock clock) {
    this.policy = policy;
    this.health = new UpstreamHealth(clock);
    this.started = clock.instant();
    this.tokens = config.tokensFile().map(f -> new WatchedFile<>("tokens", f,
        (path, bytes) -> AccessTokens.parse(path.toString(), new String(bytes, StandardCharsets.UTF_8),
            AccessTokens::environment),
        t -> t.size() + " principal(s)", registry, "pypiguard.auth.reloads"));
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
