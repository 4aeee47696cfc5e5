package dev.pypiguard.server.policy;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.advisory.AdvisorySource;
import dev.pypiguard.policy.advisory.AdvisorySources;
import dev.pypiguard.policy.advisory.OsvApiSource;
import dev.pypiguard.policy.rule.AdvisoryRule;
import dev.pypiguard.policy.rule.Rule;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSV advisory data the policy's {@code advisories} section judges with: file sources
 * (directories, zip exports) reloaded periodically in the background, and optionally the OSV API.
 */
public final class AdvisoryFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdvisoryFeed.class);

  private final AdvisorySources sources;
  private final AdvisorySources.@Nullable Refresher refresher;

  private AdvisoryFeed(AdvisorySources sources, Duration refresh) {
    this.sources = sources;
    this.refresher = refresh.isZero() ? null : sources.startRefresher(refresh);
  }

  /** Opens the sources named by {@code --advisories} (bad ones are a ConfigException). */
  public static Optional<AdvisoryFeed> open(List<String> specs, Duration refresh) {
    return open(specs, refresh, b -> {});
  }

  /**
   * As {@link #open(List, Duration)}, the OSV API reached over a client {@code network} configures.
   */
  public static Optional<AdvisoryFeed> open(
      List<String> specs,
      Duration refresh,
      java.util.function.Consumer<java.net.http.HttpClient.Builder> network) {
    if (specs.isEmpty()) {
      return Optional.empty();
    }
    var parsed = new ArrayList<AdvisorySource>();
    for (String spec : specs) {
      try {
        parsed.add(AdvisorySources.parse(spec, AdvisorySources.OSV_API, network));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(String.valueOf(e.getMessage()));
      }
    }
    try {
      AdvisorySources sources = AdvisorySources.load(parsed);
      LOG.info(
          "advisories: {} records from {}", sources.database().size(), String.join(", ", specs));
      sources.summaries().forEach(s -> LOG.info("advisory source {}", s));
      return Optional.of(new AdvisoryFeed(sources, refresh));
    } catch (IOException | RuntimeException | StackOverflowError | OutOfMemoryError e) {
      throw new ConfigException(
          "--advisories: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }
  }

  public AdvisorySources sources() {
    return sources;
  }

  /** The rules that judge with this data under a policy's {@code advisories} section. */
  public List<Rule> rules(Policy policy) {
    return List.of(new AdvisoryRule(policy.advisories(), sources));
  }

  /**
   * Asks the OSV API (when configured) about these versions and waits up to {@code wait} for the
   * answers, so that a release is judged with them rather than before them. Never throws: on a
   * timeout or an outage the last known answers are used.
   */
  public void prefetch(ProjectName project, Collection<String> versions, Duration wait) {
    prefetchAsync(project, versions, wait).join();
  }

  /**
   * As {@link #prefetch}, without waiting: completes (never exceptionally) when the answers are in,
   * the API failed, or {@code wait} passed, whichever comes first; the server judges then (issue
   * 13: no pool thread parks on the answers).
   */
  public java.util.concurrent.CompletableFuture<Void> prefetchAsync(
      ProjectName project, Collection<String> versions, Duration wait) {
    Optional<OsvApiSource> api = sources.online();
    if (api.isEmpty() || versions.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    var queries =
        versions.stream()
            .filter(v -> !v.isEmpty())
            .distinct()
            .map(v -> new OsvApiSource.Query(project, v))
            .toList();
    return api.get()
        .prefetch(queries)
        .handle(
            (ok, failed) -> {
              if (failed != null) {
                LOG.debug("OSV API answers for {} failed: {}", project, failed.toString());
              }
              return (Void) null;
            })
        .completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The versions of a page's files to ask an online source about: each as its name writes it, and a
   * local version's public version too (the advisory rule looks both up).
   */
  public static List<String> versionsToAsk(dev.pypiguard.core.simple.ProjectPage page) {
    var out = new java.util.LinkedHashSet<String>();
    for (var f : page.files()) {
      String v = dev.pypiguard.policy.BaselineJudge.versionOf(page, f);
      out.add(v);
      dev.pypiguard.core.version.Version.tryParse(v)
          .filter(p -> p.local().isPresent())
          .ifPresent(p -> out.add(p.publicVersion().toString()));
    }
    return List.copyOf(out);
  }

  /** One line per source state, for {@code /healthz}. */
  public List<String> health() {
    var lines = new ArrayList<String>();
    lines.add(
        "advisories: "
            + sources.database().size()
            + " records, generation "
            + sources.generation());
    // Each file source with its date, so that data nobody refreshed is visible.
    sources.summaries().forEach(s -> lines.add("advisory source " + s));
    var refresh = sources.lastRefresh();
    refresh
        .failure()
        .ifPresent(
            why ->
                lines.add(
                    "advisories: refresh failed at "
                        + refresh.at()
                        + ", keeping the previous data: "
                        + why));
    sources
        .online()
        .ifPresent(
            api -> {
              var st = api.status();
              // Never "reachable" before it has answered once: an API that was never asked proves
              // nothing.
              String state =
                  !st.reachable()
                      ? "unreachable"
                      : st.lastSuccess().isEmpty() ? "not asked yet" : "reachable";
              lines.add(
                  "osv-api "
                      + api.base()
                      + ": "
                      + state
                      + st.lastError().map(e -> " (last error: " + e + ")").orElse("")
                      + st.lastSuccess().map(t -> ", last answer " + t).orElse(""));
            });
    return lines;
  }

  public boolean onlineReachable() {
    return sources.online().map(a -> a.status().reachable()).orElse(true);
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.close();
    }
    sources.online().ifPresent(OsvApiSource::close);
  }
}
