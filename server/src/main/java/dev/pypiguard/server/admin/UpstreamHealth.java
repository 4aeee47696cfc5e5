package dev.pypiguard.server.admin;

import dev.pypiguard.core.cache.PageCache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * How each upstream answered lately, from the page requests made to it: the last success and
 * failure, the last error, the latency and failures in a row.
 */
public final class UpstreamHealth {
  /**
   * One upstream's health now.
   *
   * @param state {@code up} (its last answer was one), {@code down} (its last request failed) or
   *     {@code unknown} (not asked yet)
   * @param lastError what went wrong last time it failed, empty when it never did
   * @param owns the project globs it alone serves (dependency-confusion protection)
   */
  public record State(
      String name,
      String url,
      String state,
      Optional<Instant> lastSuccess,
      Optional<Instant> lastFailure,
      String lastError,
      Optional<Duration> lastLatency,
      long failuresInARow,
      long requests,
      List<String> owns) {
    public State {
      owns = List.copyOf(owns);
    }
  }

  private static final class Track {
    @Nullable Instant lastSuccess;
    @Nullable Instant lastFailure;
    String lastError = "";
    @Nullable Duration lastLatency;
    long failuresInARow;
    long requests;
    boolean lastFailed;
  }

  private final Clock clock;
  private final Map<String, Track> tracks = new ConcurrentHashMap<>();

  public UpstreamHealth(Clock clock) {
    this.clock = clock;
  }

  /**
   * Follows a file download from the upstream {@code name}: its end counts as an answer (bytes, or
   * a 404) or a failure (refused connection, timeout, bytes that do not match their hash), as a
   * page request does. A files host that fails while pages still come shows the upstream down.
   */
  public void watch(String name, dev.pypiguard.core.cache.Download download) {
    Track t = tracks.computeIfAbsent(name, n -> new Track());
    long start = System.nanoTime();
    download
        .result()
        .whenComplete(
            (path, e) -> {
              Duration latency = Duration.ofNanos(System.nanoTime() - start);
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                      ? e.getCause()
                      : e;
              boolean answered =
                  cause == null
                      || (cause instanceof dev.pypiguard.core.cache.Download.DownloadFailure f
                          && f.notFound());
              record(
                  t,
                  latency,
                  answered,
                  cause == null ? "" : "file " + download.filename() + ": " + cause.getMessage());
            });
  }

  private void record(Track t, Duration latency, boolean answered, String error) {
    synchronized (t) {
      t.requests++;
      t.lastLatency = latency;
      t.lastFailed = !answered;
      if (answered) {
        t.lastSuccess = clock.instant();
        t.failuresInARow = 0;
      } else {
        t.lastFailure = clock.instant();
        t.failuresInARow++;
        t.lastError = error;
      }
    }
  }

  /** A page cache listener for the upstream {@code name} that also tells {@code next}. */
  public PageCache.Listener listener(String name, PageCache.Listener next) {
    Track t = tracks.computeIfAbsent(name, n -> new Track());
    return new PageCache.Listener() {
      @Override
      public void lookup(String kind, String result) {
        next.lookup(kind, result);
      }

      @Override
      public void upstream(String kind, Duration latency, String outcome) {
        next.upstream(kind, latency, outcome);
        boolean answered =
            outcome.equals("ok") || outcome.equals("not-modified") || outcome.equals("not-found");
        record(t, latency, answered, outcome);
      }

      @Override
      public void upstreamFailure(String kind, String why) {
        next.upstreamFailure(kind, why);
        synchronized (t) {
          t.lastError = why;
        }
      }
    };
  }

  /**
   * The state of the upstream {@code name} at {@code url} (credentials removed), which owns {@code
   * owns}.
   */
  private State state(String name, java.net.URI url, List<String> owns) {
    Track t = tracks.getOrDefault(name, new Track());
    synchronized (t) {
      String state = t.requests == 0 ? "unknown" : t.lastFailed ? "down" : "up";
      return new State(
          name,
          withoutUserInfo(url),
          state,
          Optional.ofNullable(t.lastSuccess),
          Optional.ofNullable(t.lastFailure),
          t.lastError,
          Optional.ofNullable(t.lastLatency),
          t.failuresInARow,
          t.requests,
          owns);
    }
  }

  private static String withoutUserInfo(java.net.URI url) {
    if (url.getRawUserInfo() == null) {
      return url.toString();
    }
    return url.toString().replace(url.getRawUserInfo() + "@", "");
  }

  /** The states of these upstreams, in order. */
  public List<State> states(List<dev.pypiguard.core.upstream.Upstream> upstreams) {
    return upstreams.stream()
        .map(
            u ->
                state(
                    u.name(), u.simpleUrl(), u.projects().stream().map(Object::toString).toList()))
        .toList();
  }
}
