package dev.pypiguard.server.policy;

import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.config.BuiltInPolicy;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.rule.FirstSeen;
import dev.pypiguard.policy.rule.PolicyJudge;
import dev.pypiguard.server.config.Reload;
import dev.pypiguard.server.config.WatchedFile;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy in force: the policy file, loaded at start (a bad file refuses the start) and reloaded
 * when it changes, or {@link BuiltInPolicy} when there is none. A changed file that fails to parse
 * or validate is logged and counted, and the last good policy stays in force (see {@link
 * WatchedFile}).
 */
public final class LivePolicy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LivePolicy.class);

  private final FirstSeen firstSeen;
  private final dev.pypiguard.policy.rule.KnownFiles knownFiles;
  private final Optional<WatchedFile<PolicyJudge>> file;
  private final @Nullable PolicyJudge defaults;

  public LivePolicy(
      Optional<Path> file,
      FirstSeen firstSeen,
      Clock clock,
      MeterRegistry registry,
      java.util.function.Function<Policy, java.util.List<dev.pypiguard.policy.rule.Rule>>
          extraRules) {
    this(
        file,
        firstSeen,
        dev.pypiguard.policy.rule.KnownFiles.inMemory(),
        clock,
        registry,
        extraRules);
  }

  /** As above, with the name→sha256 memory swaps are judged against (README §Fail closed). */
  public LivePolicy(
      Optional<Path> file,
      FirstSeen firstSeen,
      dev.pypiguard.policy.rule.KnownFiles knownFiles,
      Clock clock,
      MeterRegistry registry,
      java.util.function.Function<Policy, java.util.List<dev.pypiguard.policy.rule.Rule>>
          extraRules) {
    this.firstSeen = firstSeen;
    this.knownFiles = knownFiles;
    java.util.function.Function<Policy, PolicyJudge> judge =
        p -> new PolicyJudge(p, clock, firstSeen, knownFiles, extraRules.apply(p));
    this.file =
        file.map(
            f ->
                new WatchedFile<>(
                    "policy",
                    f,
                    (path, bytes) ->
                        judge.apply(
                            PolicyLoader.parse(
                                path.toString(),
                                new String(bytes, java.nio.charset.StandardCharsets.UTF_8),
                                dir(path))),
                    PolicyJudge::version,
                    registry,
                    "pypiguard.policy.reloads"));
    this.defaults = this.file.isPresent() ? null : judge.apply(BuiltInPolicy.policy());
  }

  /** The policy file's directory, where a relative {@code attestations.trusted-root} lives. */
  private static Path dir(Path f) {
    Path parent = f.toAbsolutePath().getParent();
    return parent == null ? Path.of("") : parent;
  }

  /** The judge of the policy in force. */
  public PageJudge current() {
    return judge();
  }

  private PolicyJudge judge() {
    return file.map(WatchedFile::current)
        .orElseGet(() -> java.util.Objects.requireNonNull(defaults));
  }

  public Policy policy() {
    return judge().policy();
  }

  /** The policy file, when there is one. */
  public Optional<Path> file() {
    return file.map(WatchedFile::file);
  }

  /** Starts watching the file for changes. */
  public void watch(long periodMillis) {
    file.ifPresent(f -> f.watch(periodMillis));
  }

  /** Reloads now if the file's content changed; returns whether a new policy is in force. */
  public boolean reloadIfChanged() {
    return reload() instanceof Reload.Reloaded;
  }

  /** Reads the policy file now; without a file, the built-in policy is unchanged. */
  public Reload reload() {
    return file.map(WatchedFile::reload)
        .orElseGet(
            () -> new Reload.Unchanged(java.util.Objects.requireNonNull(defaults).version()));
  }

  /** The name→sha256 memory the judges use. */
  public dev.pypiguard.policy.rule.KnownFiles knownFiles() {
    return knownFiles;
  }

  @Override
  public void close() {
    file.ifPresent(WatchedFile::close);
    if (knownFiles instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing the known-files memory: {}", e.toString());
      }
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
