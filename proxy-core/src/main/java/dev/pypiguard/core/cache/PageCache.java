package dev.pypiguard.core.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.core.store.TieredRecords;
import dev.pypiguard.core.upstream.PageFetch;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pages of one upstream, cached in memory (Caffeine) over a persisted copy on disk.
 *
 * <p>A page younger than the lifetime is served as is. An older one is revalidated with {@code
 * If-None-Match}; concurrent lookups share that one request. When the upstream fails, or takes
 * longer than the stale deadline while an older copy exists, the older copy is served (marked
 * stale) and the refresh goes on in the background. Without any copy a failure is reported as
 * {@link PageLookup.Unavailable}. In offline mode the upstream is never asked.
 */
public final class PageCache {
  private static final Logger LOG = LoggerFactory.getLogger(PageCache.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INDEX_KEY = "_index";

  /** How pages are kept. */
  public record Settings(Duration ttl, Duration staleDeadline, boolean offline) {}

  /** What happens to pages, for metrics. */
  public interface Listener {
    void lookup(String kind, String result);

    void upstream(String kind, Duration latency, String outcome);

    /** Why a request to the upstream failed, right after {@link #upstream} reported it. */
    default void upstreamFailure(String kind, String why) {}

    Listener NONE =
        new Listener() {
          @Override
          public void lookup(String kind, String result) {}

          @Override
          public void upstream(String kind, Duration latency, String outcome) {}
        };
  }

  private final Upstream upstream;
  private final UpstreamClient client;
  private final Path dir;
  private final Settings settings;
  private final Executor blocking;
  private final Clock clock;
  private final Listener listener;
  private final TieredRecords disk;
  private final Cache<String, CachedPage<?>> memory;
  private final ConcurrentHashMap<String, CompletableFuture<PageLookup<?>>> refreshing =
      new ConcurrentHashMap<>();

  /**
   * Upstream failures remembered briefly, or as long as the upstream's {@code Retry-After} asks (at
   * most 5 minutes): meanwhile lookups answer from the copy or fail fast, without asking.
   */
  private final Cache<String, HeldFailure> failures =
      Caffeine.newBuilder()
          .executor(Runnable::run)
          .maximumSize(10_000)
          .expireAfterWrite(Duration.ofMinutes(5))
          .build();

  /** How long an upstream failure without {@code Retry-After} is remembered. */
  static final Duration FAILURE_MEMORY = Duration.ofSeconds(1);

  private record HeldFailure(PageFetch.Failed failure, Instant until) {}

  /**
   * A page cache over {@code <cacheDir>/pages/<upstream>/}. With a {@code shared} store, copies are
   * also kept there, under {@code pages/<upstream>/<name>.json}, so that another replica can serve
   * them while the upstream is down. A copy is one whole object, replaced whole: any replica's
   * latest copy is a valid page.
   */
  public PageCache(
      Upstream upstream,
      UpstreamClient client,
      Path cacheDir,
      Settings settings,
      Executor blocking,
      Clock clock,
      Listener listener,
      Optional<ObjectStore> shared) {
    this.upstream = upstream;
    this.client = client;
    this.dir = cacheDir.resolve("pages").resolve(upstream.name());
    this.disk = new TieredRecords(dir, shared, "pages/" + upstream.name() + "/", "page");
    this.settings = settings;
    this.blocking = blocking;
    this.clock = clock;
    this.listener = listener;
    this.memory =
        Caffeine.newBuilder()
            .executor(Runnable::run) // upkeep where the hit is: no hand-off to another thread
            // A quarter of the heap, at most 256 MB (README "Speed": the launcher's heap is 256
            // MB).
            .maximumWeight(Math.min(256L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 4))
            .weigher((String k, CachedPage<?> v) -> weight(v))
            .build();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + dir, e);
    }
  }

  private static int weight(CachedPage<?> v) {
    if (v.value() instanceof ProjectPage p) {
      return 512 + p.files().size() * 512;
    }
    if (v.value() instanceof ProjectIndex i) {
      return 512 + i.projects().size() * 64;
    }
    return 1024;
  }

  /** The client that reaches this upstream (with its own timeouts, when it has them). */
  public UpstreamClient client() {
    return client;
  }

  public Upstream upstream() {
    return upstream;
  }

  /** The page of a project. */
  public CompletableFuture<PageLookup<ProjectPage>> project(ProjectName name) {
    return lookup(name.value(), upstream.projectUrl(name.value()), PageKind.PROJECT, "project");
  }

  /**
   * A project's page when {@link #project} would answer it from memory at once (fresh, or any copy
   * when offline); empty when a lookup has work to do. Never blocks. Not counted: a caller that
   * serves it says so with {@link #servedFromMemory}.
   */
  public Optional<PageLookup.Found<ProjectPage>> freshInMemory(ProjectName name) {
    @SuppressWarnings("unchecked")
    CachedPage<ProjectPage> mem = (CachedPage<ProjectPage>) memory.getIfPresent(name.value());
    if (mem == null || !(settings.offline() || fresh(mem))) {
      return Optional.empty();
    }
    return Optional.of(new PageLookup.Found<>(mem, false));
  }

  /**
   * Counts a project page served from {@link #freshInMemory} as the hit {@link #project} counts.
   */
  public void servedFromMemory() {
    listener.lookup("project", "hit");
  }

  /** The list of all projects. */
  public CompletableFuture<PageLookup<ProjectIndex>> index() {
    return lookup(INDEX_KEY, upstream.simpleUrl(), PageKind.INDEX, "index");
  }

  /** The cached page of a project without asking the upstream, from memory or disk. */
  public CompletableFuture<Optional<CachedPage<ProjectPage>>> cached(ProjectName name) {
    String normalizedName = name.value();
    @SuppressWarnings("unchecked")
    CachedPage<ProjectPage> mem = (CachedPage<ProjectPage>) memory.getIfPresent(normalizedName);
    if (mem != null) {
      return CompletableFuture.completedFuture(Optional.of(mem));
    }
    return CompletableFuture.supplyAsync(
        () -> readDisk(normalizedName, PageKind.PROJECT), blocking);
  }

  /**
   * Forgets a page in memory, on disk and in the shared store (blocking: call off the event loop),
   * so that the next request asks the upstream.
   */
  public void purge(ProjectName name) {
    String normalizedName = name.value();
    memory.invalidate(normalizedName);
    failures.invalidate(normalizedName);
    disk.delete(name(normalizedName));
  }

  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<PageLookup<T>> lookup(
      String key, URI url, PageKind<T> kind, String kindName) {
    CachedPage<T> mem = (CachedPage<T>) memory.getIfPresent(key);
    if (mem != null && (settings.offline() || fresh(mem))) {
      listener.lookup(kindName, "hit");
      return CompletableFuture.completedFuture(new PageLookup.Found<>(mem, false));
    }
    CompletableFuture<PageLookup<?>> shared =
        refreshing.computeIfAbsent(
            key,
            k -> {
              CompletableFuture<PageLookup<?>> f =
                  refresh(key, url, kind, kindName, Optional.ofNullable(mem))
                      .thenApply(l -> (PageLookup<?>) l);
              f.whenComplete((l, e) -> refreshing.remove(key, f));
              return f;
            });
    CompletableFuture<PageLookup<T>> typed =
        shared
            .thenApply(l -> (PageLookup<T>) l)
            .exceptionally(
                e -> {
                  LOG.error("page lookup for {} failed", key, e);
                  return new PageLookup.Unavailable<>("internal error: " + e, false);
                });
    if (mem == null || settings.staleDeadline().isZero()) {
      return typed;
    }
    // A slow upstream must not hold pip up when a copy exists: serve it after the deadline.
    return typed.completeOnTimeout(
        new PageLookup.Found<>(mem, true),
        settings.staleDeadline().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private <T> CompletableFuture<PageLookup<T>> refresh(
      String key, URI url, PageKind<T> kind, String kindName, Optional<CachedPage<T>> mem) {
    CompletableFuture<Optional<CachedPage<T>>> base =
        mem.isPresent()
            ? CompletableFuture.completedFuture(mem)
            : CompletableFuture.supplyAsync(() -> readDisk(key, kind), blocking);
    return base.thenCompose(
        copy -> {
          if (copy.isPresent() && (settings.offline() || fresh(copy.get()))) {
            memory.put(key, copy.get());
            listener.lookup(kindName, "hit");
            return CompletableFuture.completedFuture(new PageLookup.Found<>(copy.get(), false));
          }
          if (settings.offline()) {
            listener.lookup(kindName, "miss");
            return CompletableFuture.completedFuture(
                new PageLookup.Missing<>("not in the cache, and the proxy is offline"));
          }
          HeldFailure held = failures.getIfPresent(key);
          if (held != null && clock.instant().isBefore(held.until())) {
            listener.lookup(kindName, copy.isPresent() ? "stale" : "miss");
            return CompletableFuture.completedFuture(
                stale(
                    copy,
                    "upstream "
                        + upstream.name()
                        + ": "
                        + held.failure().reason()
                        + " (not asked again until "
                        + held.until()
                        + ")",
                    held.failure().timedOut()));
          }
          listener.lookup(kindName, copy.isPresent() ? "revalidate" : "miss");
          long start = System.nanoTime();
          return client
              .page(
                  url,
                  Negotiation.upstreamAccept(),
                  copy.flatMap(CachedPage::etag),
                  upstream.allowedHosts(),
                  upstream.decorateFor(url))
              .thenApplyAsync(
                  fetch -> {
                    Duration latency = Duration.ofNanos(System.nanoTime() - start);
                    return answer(key, kind, kindName, fetch, copy, latency);
                  },
                  blocking);
        });
  }

  private <T> PageLookup<T> answer(
      String key,
      PageKind<T> kind,
      String kindName,
      PageFetch fetch,
      Optional<CachedPage<T>> copy,
      Duration latency) {
    Instant now = clock.instant();
    // Java 17 has no pattern matching in switch; the chain covers every PageFetch permit.
    if (fetch instanceof PageFetch.Fetched f) {
      T value;
      try {
        value = kind.parse(f, key);
      } catch (RuntimeException e) {
        listener.upstream(kindName, latency, "malformed");
        LOG.warn("malformed {} page from {}: {}", kindName, f.url(), e.getMessage());
        listener.upstreamFailure(kindName, "malformed " + kindName + " page: " + e.getMessage());
        return stale(
            copy, "malformed page from upstream " + upstream.name() + ": " + e.getMessage(), false);
      }
      failures.invalidate(key);
      listener.upstream(kindName, latency, "ok");
      byte[] canonical = kind.canonical(value);
      var page = new CachedPage<>(value, Sha256.of(canonical).hex(), now, f.etag(), f.url());
      memory.put(key, page);
      writeDisk(key, page, canonical);
      return new PageLookup.Found<>(page, false);
    }
    if (fetch instanceof PageFetch.NotModified) {
      if (copy.isEmpty()) {
        listener.upstream(kindName, latency, "error");
        return new PageLookup.Unavailable<>(
            "upstream answered 304 to an unconditional request", false);
      }
      listener.upstream(kindName, latency, "not-modified");
      var page = copy.get().confirmedAt(now);
      memory.put(key, page);
      writeDisk(key, page, kind.canonical(page.value()));
      return new PageLookup.Found<>(page, false);
    }
    if (fetch instanceof PageFetch.NotFound) {
      listener.upstream(kindName, latency, "not-found");
      memory.invalidate(key);
      return new PageLookup.Missing<>("not found on upstream " + upstream.name());
    }
    var e = (PageFetch.Failed) fetch;
    failures.put(key, new HeldFailure(e, now.plus(e.retryAfter().orElse(FAILURE_MEMORY))));
    listener.upstream(kindName, latency, e.timedOut() ? "timeout" : "error");
    LOG.warn("upstream {} failed for {}: {}", upstream.name(), key, e.reason());
    listener.upstreamFailure(kindName, e.reason());
    return stale(copy, "upstream " + upstream.name() + ": " + e.reason(), e.timedOut());
  }

  private static <T> PageLookup<T> stale(
      Optional<CachedPage<T>> copy, String why, boolean timedOut) {
    return copy.<PageLookup<T>>map(c -> new PageLookup.Found<>(c, true))
        .orElseGet(() -> new PageLookup.Unavailable<>(why, timedOut));
  }

  private boolean fresh(CachedPage<?> page) {
    return younger(clock.millis(), page.fetchedAt(), settings.ttl());
  }

  /**
   * Whether something fetched at {@code fetched} is younger than {@code ttl} at {@code nowMillis}.
   * Asked on every page hit: the age in seconds and nanoseconds, with no Instant or Duration made,
   * and none of the overflows of milliseconds (a TTL of 10^12 days is a valid setting).
   */
  static boolean younger(long nowMillis, Instant fetched, Duration ttl) {
    long seconds = Math.floorDiv(nowMillis, 1000) - fetched.getEpochSecond();
    long nanos = Math.floorMod(nowMillis, 1000) * 1_000_000L - fetched.getNano();
    if (nanos < 0) {
      seconds--;
      nanos += 1_000_000_000L;
    }
    return seconds < ttl.getSeconds() || (seconds == ttl.getSeconds() && nanos < ttl.getNano());
  }

  private static String name(String key) {
    // Keys are normalized project names or INDEX_KEY: neither can contain a path separator.
    return key + ".json";
  }

  private <T> Optional<CachedPage<T>> readDisk(String key, PageKind<T> kind) {
    Path p = disk.local(name(key));
    try {
      Optional<byte[]> stored = disk.read(name(key), b -> true);
      if (stored.isEmpty()) {
        return Optional.empty();
      }
      var root = JSON.readTree(stored.get());
      URI source = URI.create(root.path("source").asText());
      byte[] body = JSON.writeValueAsBytes(root.path("page"));
      T value = kind.fromCanonical(body, source);
      Instant fetchedAt = Instant.parse(root.path("fetched-at").asText());
      Optional<String> etag =
          root.hasNonNull("etag") ? Optional.of(root.get("etag").asText()) : Optional.empty();
      byte[] canonical = kind.canonical(value);
      return Optional.of(
          new CachedPage<>(value, Sha256.of(canonical).hex(), fetchedAt, etag, source));
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable cached page {}: {}", p, e.toString());
      return Optional.empty();
    }
  }

  private void writeDisk(String key, CachedPage<?> page, byte[] canonical) {
    Path p = disk.local(name(key));
    try {
      ObjectNode root = JSON.createObjectNode();
      root.put("source", page.source().toString());
      root.put("fetched-at", page.fetchedAt().toString());
      page.etag().ifPresent(e -> root.put("etag", e));
      root.set("page", JSON.readTree(canonical));
      byte[] bytes = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
      disk.writeLocal(name(key), bytes);
      if (disk.sharing()) {
        blocking.execute(
            () -> {
              try {
                disk.share(name(key), bytes);
              } catch (IOException e) {
                LOG.warn("could not share page {}: {}", key, e.getMessage());
              }
            });
      }
    } catch (IOException e) {
      LOG.warn("could not persist page {}: {}", p, e.toString());
    }
  }
}
