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
 *   <li>A name an upstream owns (its {@code projects} globs) is served by that upstream alone: when
 *       it does not have the name the answer is 404, when it is down the answer is its stale copy
 *       or 502/504. No other upstream is ever asked.
 *   <li>Any other name is served whole by the first upstream, in order, that has it. Pages are
 *       never merged. An upstream that answered 404 is remembered as not having the name for the
 *       page TTL, so later requests skip it.
 *   <li>When an earlier upstream is down, a later one is used only if it served this name before
 *       (its page is cached): the earlier one did not have the name then. Otherwise the answer is
 *       the earlier upstream's failure, because a later upstream's page might be the very package
 *       the earlier one would have shadowed.
 * </ul>
 */
public final class UpstreamRouter {
  private final List<PageCache> pages;
  /** (upstream index, name) pairs the upstream recently answered 404 for. */
  private final Cache<String, Boolean> absent;
  /** The last merged project list, reused while every upstream's list is the same. */
  private final java.util.concurrent.atomic.AtomicReference<CachedPage<ProjectIndex>> merged =
      new java.util.concurrent.atomic.AtomicReference<>();

  public UpstreamRouter(List<PageCache> pages, Duration pageTtl) {
    this.pages = List.copyOf(pages);
    this.absent = Caffeine.newBuilder()
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

  /** The page of {@code name} from the one upstream that serves it. */
  public CompletableFuture<Resolved> resolve(ProjectName name) {
    Optional<PageCache> owner = owner(name);
    if (owner.isPresent()) {
      PageCache p = owner.get();
      return p.project(name.value()).thenApply(lookup -> new Resolved(p, lookup));
    }
    return next(name, 0, Optional.empty());
  }

  private CompletableFuture<Resolved> next(ProjectName name, int i, Optional<Resolved> failure) {
    if (i >= pages.size()) {
      return CompletableFuture.completedFuture(failure.orElseGet(() -> new Resolved(pages.get(0),
          new PageLookup.Missing<>(name.value() + " is not on "
              + (pages.size() == 1 ? "the upstream" : "any upstream (" + names() + ")")))));
    }
    PageCache p = pages.get(i);
    String key = i + "/" + name.value();
    if (absent.getIfPresent(key) != null) {
      return next(name, i + 1, failure);
    }
    return p.project(name.value()).thenCompose(lookup -> {
      if (lookup instanceof PageLookup.Found) {
        absent.invalidate(key);
        return CompletableFuture.completedFuture(new Resolved(p, lookup));
      }
      if (lookup instanceof PageLookup.Missing) {
        if (pages.size() > 1) {
          absent.put(key, Boolean.TRUE);
        }
        return next(name, i + 1, failure);
      }
      // Down: a later upstream may answer only if it served this name before.
      Resolved down = failure.orElse(new Resolved(p, lookup));
      return servedBefore(name, i + 1).thenCompose(later -> later
          ? next(name, i + 1, Optional.of(down))
          : CompletableFuture.completedFuture(down));
    });
  }

  /** Whether an upstream from index {@code from} on holds a cached page of {@code name}. */
  private CompletableFuture<Boolean> servedBefore(ProjectName name, int from) {
    CompletableFuture<Boolean> any = CompletableFuture.completedFuture(false);
    for (int j = from; j < pages.size(); j++) {
      PageCache p = pages.get(j);
      any = any.thenCompose(found -> found
          ? CompletableFuture.completedFuture(true)
          : p.cached(name.value()).thenApply(Optional::isPresent));
    }
    return any;
  }

  /**
   * The project list: every upstream's names, a name owned by an upstream listed from that
   * upstream only. Upstreams that fail are left out; when all fail, the first failure.
   */
  public CompletableFuture<PageLookup<ProjectIndex>> index() {
    List<CompletableFuture<PageLookup<ProjectIndex>>> all = new ArrayList<>();
    for (PageCache p : pages) {
      all.add(p.index());
    }
    if (pages.size() == 1) {
      return all.get(0);
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
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
      String version = dev.pypiguard.core.blob.Sha256.of(
          String.join(",", versions).getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex();
      CachedPage<ProjectIndex> page = merged.get();
      if (page == null || !page.version().equals(version)) {
        // PyPI's list has 600,000 names: merge once per change, not once per request.
        page = merge(all, version);
        merged.set(page);
      }
      return new PageLookup.Found<>(page, stale);
    });
  }

  private CachedPage<ProjectIndex> merge(List<CompletableFuture<PageLookup<ProjectIndex>>> all, String version) {
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
        if (owner.isEmpty() || owner.get() == pages.get(i)) {
          names.putIfAbsent(parsed.get().value(), n);
        }
      }
    }
    var index = new ProjectIndex(first.apiVersion(), first.meta(), new ArrayList<>(names.values()), Map.of());
    return new CachedPage<>(index, version, java.time.Instant.now(), Optional.empty(),
        pages.get(0).upstream().simpleUrl());
  }

  /** The key rendered index pages are cached under: every upstream's name. */
  public String indexKey() {
    return String.join("+", pages.stream().map(p -> p.upstream().name()).toList());
  }

  private String names() {
    return String.join(", ", pages.stream().map(p -> p.upstream().name()).toList());
  }
}
