package dev.pypiguard.server.policy;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.policy.FirstSeen;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.PolicyJudge;
import dev.pypiguard.policy.config.Policy;
import dev.pypiguard.policy.config.PolicyLoader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy in force: loaded at start (a bad file refuses the start), then reloaded when the
 * file changes. A changed file that fails to parse or validate is logged and counted, and the
 * last good policy stays in force.
 *
 * <p>The file is polled (every two seconds by default) and compared by content digest rather
 * than modification time, which is coarse on some file systems and unreliable on mounted
 * config maps.
 */
public final class LivePolicy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LivePolicy.class);

  private final Optional<Path> file;
  private final FirstSeen firstSeen;
  private final Clock clock;
  private final java.util.function.Function<Policy, java.util.List<dev.pypiguard.policy.Rule>> extraRules;
  private final AtomicReference<PolicyJudge> judge = new AtomicReference<>();
  private final Counter reloadOk;
  private final Counter reloadInvalid;
  private volatile String digest = "";
  private ScheduledExecutorService watcher;

  public LivePolicy(Optional<Path> file, FirstSeen firstSeen, Clock clock, MeterRegistry registry,
      java.util.function.Function<Policy, java.util.List<dev.pypiguard.policy.Rule>> extraRules) {
    this.file = file;
    this.clock = clock;
    this.extraRules = extraRules;
    this.firstSeen = firstSeen;
    this.reloadOk = Counter.builder("pypiguard.policy.reloads").tag("outcome", "ok")
        .description("Policy file reloads, by outcome").register(registry);
    this.reloadInvalid = Counter.builder("pypiguard.policy.reloads").tag("outcome", "invalid")
        .description("Policy file reloads, by outcome").register(registry);
    Policy policy = file.map(f -> {
      byte[] bytes = read(f);
      digest = Sha256.of(bytes).hex();
      return PolicyLoader.parse(f.toString(), new String(bytes, java.nio.charset.StandardCharsets.UTF_8), dir(f));
    }).orElse(Policy.DEFAULTS);
    judge.set(new PolicyJudge(policy, clock, firstSeen, extraRules.apply(policy)));
  }

  /** The policy file's directory, where a relative {@code attestations.trusted-root} lives. */
  private static Path dir(Path f) {
    Path parent = f.toAbsolutePath().getParent();
    return parent == null ? Path.of("") : parent;
  }

  private static byte[] read(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigException(f + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(f + ": cannot read: " + e.getMessage());
    }
  }

  /** The judge of the policy in force. */
  public PageJudge current() {
    return judge.get();
  }

  public Policy policy() {
    return judge.get().policy();
  }

  /** Starts watching the file for changes. */
  public void watch(long periodMillis) {
    if (file.isEmpty() || watcher != null) {
      return;
    }
    watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pypi-guard-policy-watch");
      t.setDaemon(true);
      return t;
    });
    watcher.scheduleWithFixedDelay(this::reloadIfChanged, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** Reloads now if the file's content changed; returns whether a new policy is in force. */
  public boolean reloadIfChanged() {
    if (file.isEmpty()) {
      return false;
    }
    Path f = file.get();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (IOException e) {
      // A file being replaced can be briefly absent; the next poll sees the new one.
      return false;
    }
    String d = Sha256.of(bytes).hex();
    if (d.equals(digest)) {
      return false;
    }
    digest = d;
    try {
      Policy p = PolicyLoader.parse(f.toString(), new String(bytes, java.nio.charset.StandardCharsets.UTF_8), dir(f));
      judge.set(new PolicyJudge(p, clock, firstSeen, extraRules.apply(p)));
      reloadOk.increment();
      LOG.info("policy reloaded from {} ({})", f, judge.get().version());
      return true;
    } catch (ConfigException e) {
      reloadInvalid.increment();
      LOG.error("policy file {} is invalid; keeping the last good policy:\n{}", f, e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
    if (firstSeen instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing the first-seen store: {}", e.toString());
      }
    }
  }
}
