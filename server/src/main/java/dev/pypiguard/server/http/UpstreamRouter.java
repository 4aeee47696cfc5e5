package dev.pypiguard.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Decides which upstream serves a project, closing dependency confusion by construction.
 *
 * <ul>
 *   <li>A name an upstream owns (the first whose {@code projects} globs match it) is served by that
 *       upstream alone: when it does not have the name the answer is 404, when it is down the
 *       answer is its stale copy or 502/504. No other upstream is ever asked.
 *   <li>An upstream with {@code projects} serves nothing else. Any other name is served whole by
 *       the first upstream without {@code projects}, in order, that has it ("everything not owned
 *       above"). Pages are never merged. An upstream that answered 404 is remembered as not having
 *       the name for the page TTL, so later requests skip it.
 *   <li>When an earlier such upstream is down, a later one is used only if it served this name
 *       before (its page is cached): the earlier one did not have the name then. Otherwise the
 *       answer is the earlier upstream's failure, because a later upstream's page might be the very
 *       package the earlier one would have shadowed.
 * </ul>
 */
public final class UpstreamRouter {
  private final List<PageCache> pages;

  /** (upstream index, name) pairs the upstream recently answered 404 for. */
  private final Cache<String, Boolean> absent;

  /** Whether no upstream owns projects by globs (the usual single-upstream setup). */
  private final boolean noneOwns;

  /** The last merged project list, reused while every upstream's list is the same. */
  private final java.util.concurrent.atomic.AtomicReference<CachedPage<ProjectIndex>> merged =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Where the project lists are merged: 600,000 names are never merged on an event loop. */
  private final java.util.concurrent.Executor blocking;

  public UpstreamRouter(
      List<PageCache> pages, Duration pageTtl, java.util.concurrent.Executor blocking) {
    this.pages = List.copyOf(pages);
    this.noneOwns = this.pages.stream().allMatch(p -> p.upstream().projects().isEmpty());
    this.blocking = blocking;
    this.absent =
        Caffeine.newBuilder()
            .executor(Runnable::run) // upkeep where the hit is: no hand-off to another thread
            .expireAfterWrite(pageTtl.isZero() ? Duration.ofSeconds(1) : pageTtl)
            .maximumSize(200_000)
            .build();
  }

  /** A project page found (or not), with the upstream that answered. */
  public record Resolved(PageCache pages, PageLookup<ProjectPage> lookup) {}

  /** The upstream that owns {@code name}, when one does. */
  public Optional<PageCache> owner(ProjectName name) {
    for (PageCache p : pages) {
      if (p.upstream().owns(name.value())) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The page caches of the upstreams that may serve {@code name}, in order. */
  private List<PageCache> serving(ProjectName name) {
    if (noneOwns) {
      return pages; // no upstream owns globs: every one serves every name
    }
    var ups =
        dev.pypiguard.core.upstream.Upstream.serving(
            pages.stream().map(PageCache::upstream).toList(), name.value());
    return pages.stream().filter(p -> ups.contains(p.upstream())).toList();
  }

  /** The page of {@code name} from the one upstream that serves it. */
  public CompletableFuture<Resolved> resolve(ProjectName name) {
    List<PageCache> candidates = serving(name);
    if (candidates.size() == 1) {
      PageCache p = candidates.get(0);
      return p.project(name).thenApply(lookup -> new Resolved(p, lookup));
    }
    return next(name, candidates, 0, Optional.empty());
  }

  /**
   * The page {@link #resolve} would answer, when it is a fresh copy in memory that needs no
   * upstream, disk or pool (the event loop's page-hit path); empty when resolving has work to do.
   */
  public Optional<Resolved> inMemory(ProjectName name) {
    for (PageCache p : serving(name)) {
      if (absent.estimatedSize() > 0
          && absent.getIfPresent(p.upstream().name() + "/" + name.value()) != null) {
        continue; // resolve skips an upstream known not to have the project
      }
      return p.freshInMemory(name).map(found -> new Resolved(p, found));
    }
    return Optional.empty();
  }

  private CompletableFuture<Resolved> next(
      ProjectName name, List<PageCache> candidates, int i, Optional<Resolved> failure) {
    if (i >= candidates.size()) {
      return CompletableFuture.completedFuture(
          failure.orElseGet(
              () ->
                  new Resolved(
                      candidates.isEmpty() ? pages.get(0) : candidates.get(0),
                      new PageLookup.Missing<>(
                          candidates.isEmpty()
                              ? name.value()
                                  + " is owned by no upstream, and every upstream serves only the projects it owns"
                              : name.value()
                                  + " is not on any upstream ("
                                  + names(candidates)
                                  + ")"))));
    }
    PageCache p = candidates.get(i);
    String key = p.upstream().name() + "/" + name.value();
    if (absent.getIfPresent(key) != null) {
      return next(name, candidates, i + 1, failure);
    }
    return p.project(name)
        .thenCompose(
            lookup -> {
              if (lookup instanceof PageLookup.Found) {
                absent.invalidate(key);
                return CompletableFuture.completedFuture(new Resolved(p, lookup));
              }
              if (lookup instanceof PageLookup.Missing) {
                absent.put(key, Boolean.TRUE);
                return next(name, candidates, i + 1, failure);
              }
              // Down: a later upstream may answer only if it served this name before.
              Resolved down = failure.orElse(new Resolved(p, lookup));
              return servedBefore(name, candidates.subList(i + 1, candidates.size()))
                  .thenCompose(
                      later ->
                          later
                              ? next(name, candidates, i + 1, Optional.of(down))
                              : CompletableFuture.completedFuture(down));
            });
  }

  /** Whether one of {@code later} holds a cached page of {@code name}. */
  private static CompletableFuture<Boolean> servedBefore(ProjectName name, List<PageCache> later) {
    CompletableFuture<Boolean> any = CompletableFuture.completedFuture(false);
    for (PageCache p : later) {
      any =
          any.thenCompose(
              found ->
                  found
                      ? CompletableFuture.completedFuture(true)
                      : p.cached(name).thenApply(Optional::isPresent));
    }
    return any;
  }

  /**
   * The project list: every upstream's names that it may serve (an upstream with {@code projects}
   * lists only the names it owns, the others only names nobody owns). Upstreams that fail are left
   * out; when all fail, the first failure.
   */
  public CompletableFuture<PageLookup<ProjectIndex>> index() {
    List<CompletableFuture<PageLookup<ProjectIndex>>> all = new ArrayList<>();
    for (PageCache p : pages) {
      all.add(p.index());
    }
    if (pages.size() == 1) {
      return all.get(0);
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApplyAsync(
            v -> {
              List<String> versions = new ArrayList<>();
              Optional<PageLookup<ProjectIndex>> firstFailure = Optional.empty();
              boolean stale = false;
              for (var f : all) {
                PageLookup<ProjectIndex> lookup = f.join();
                if (lookup instanceof PageLookup.Found<ProjectIndex> found) {
                  versions.add(found.page().version());
                  stale = stale || found.stale();
                } else {
                  firstFailure = firstFailure.or(() -> Optional.of(lookup));
                  versions.add("-");
                  stale = stale || lookup instanceof PageLookup.Unavailable;
                }
              }
              if (firstFailure.isPresent() && versions.stream().allMatch("-"::equals)) {
                return firstFailure.get();
              }
              String version =
                  dev.pypiguard.core.blob.Sha256.of(
                          String.join(",", versions)
                              .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                      .hex();
              CachedPage<ProjectIndex> page = merged.get();
              if (page == null || !page.version().equals(version)) {
                // PyPI's list has 600,000 names: merge once per change, not once per request.
                page = merge(all, version);
                merged.set(page);
              }
              return new PageLookup.Found<>(page, stale);
            },
            blocking);
  }

  private CachedPage<ProjectIndex> merge(
      List<CompletableFuture<PageLookup<ProjectIndex>>> all, String version) {
    Map<String, String> names = new LinkedHashMap<>();
    ProjectIndex first = null;
    for (int i = 0; i < pages.size(); i++) {
      if (!(all.get(i).join() instanceof PageLookup.Found<ProjectIndex> found)) {
        continue;
      }
      first = first == null ? found.page().value() : first;
      for (String n : found.page().value().projects()) {
        Optional<ProjectName> parsed = ProjectName.parse(n);
        if (parsed.isEmpty()) {
          continue;
        }
        Optional<PageCache> owner = owner(parsed.get());
        boolean serves =
            owner.isPresent()
                ? owner.get() == pages.get(i)
                : pages.get(i).upstream().projects().isEmpty();
        if (serves) {
          names.putIfAbsent(parsed.get().value(), n);
        }
      }
    }
    ProjectIndex base = java.util.Objects.requireNonNull(first, "no upstream page to merge");
    var index =
        new ProjectIndex(base.apiVersion(), base.meta(), new ArrayList<>(names.values()), Map.of());
    return new CachedPage<>(
        index,
        version,
        java.time.Instant.now(),
        Optional.empty(),
        pages.get(0).upstream().simpleUrl());
  }

  /** The key rendered index pages are cached under: every upstream's name. */
  public String indexKey() {
    return String.join("+", pages.stream().map(p -> p.upstream().name()).toList());
  }

  private static String names(List<PageCache> list) {
    return String.join(", ", list.stream().map(p -> p.upstream().name()).toList());
  }
}
