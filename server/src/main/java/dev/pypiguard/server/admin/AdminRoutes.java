package dev.pypiguard.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.server.BuildInfo;
import dev.pypiguard.server.config.Reload;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.InspectionStore;
import dev.pypiguard.server.storage.SharedStorage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /-/admin/} and the snapshot the status page at {@code /} shows:
 * statistics, purging a project or one file, reloading the policy and tokens, the recent blocking
 * decisions, and the held files. Answers are values ({@link Answer}); the HTTP side turns them into
 * responses. Everything that reads the disk runs on the blocking executor.
 */
public final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KINDS = List.of("project", "index", "file", "metadata");
  static final int DEFAULT_BLOCKS = 50;

  /** Inspections shown by {@code GET /-/admin/findings}. */
  private static final int FINDINGS = 100;

  /** What an endpoint answers: a JSON document, or one line of text (a refusal). */
  public sealed interface Answer {
    /** The HTTP status. */
    int status();
  }

  /** A JSON document with its status. */
  public record Json(int status, ObjectNode body) implements Answer {}

  /** One line of text with its status. */
  public record Text(int status, String line) implements Answer {}

  /**
   * Who asked, for the logs: the principal's name ({@code -} without auth) and the client address.
   */
  public record Caller(String user, String remote) {}

  /** Records an admin action in the audit log (README "Audit log"). */
  @FunctionalInterface
  public interface AdminAudit {
    void record(String client, String user, String action, ObjectNode fields);
  }

  private final ServerConfig config;
  private final List<PageCache> pages;
  private final FileSystemBlobStore store;
  private final SharedStorage storage;
  private final Operations ops;
  private final MeterRegistry registry;
  private final Supplier<PageJudge> judge;
  private final Optional<AdvisoryFeed> advisories;
  private final InspectionStore inspections;
  private final Executor blocking;
  private final ToIntFunction<String> purgeRendered;
  private final HeldFiles held;

  /**
   * @param purgeRendered forgets a project's judged and rendered pages, answering how many
   * @param audit where admin actions are recorded
   */
  public AdminRoutes(
      ServerConfig config,
      List<PageCache> pages,
      FileSystemBlobStore store,
      SharedStorage storage,
      Operations ops,
      MeterRegistry registry,
      Supplier<PageJudge> judge,
      Optional<AdvisoryFeed> advisories,
      InspectionStore inspections,
      Executor blocking,
      ToIntFunction<String> purgeRendered,
      AdminAudit audit) {
    this.config = config;
    this.pages = List.copyOf(pages);
    this.store = store;
    this.storage = storage;
    this.ops = ops;
    this.registry = registry;
    this.judge = judge;
    this.advisories = advisories;
    this.inspections = inspections;
    this.blocking = blocking;
    this.purgeRendered = purgeRendered;
    this.held = new HeldFiles(inspections, config.cacheDir(), audit);
  }

  /** {@code GET /-/admin/}: what the API offers. */
  public Json endpoints() {
    return new Json(200, endpointList());
  }

  /** {@code GET /-/admin/stats}. */
  public CompletableFuture<Answer> stats(String base) {
    return snapshot(base).thenApply(snap -> new Json(200, snap.toJson()));
  }

  /** {@code GET /-/admin/findings}: the newest inspections that found something. */
  public Json findings() {
    return new Json(200, held.findings(FINDINGS));
  }

  /** {@code GET /-/admin/held}: the files held for review. */
  public Json held() {
    return new Json(200, held.list());
  }

  /** {@code POST /-/admin/held/<sha256>/clear}, on the blocking executor. */
  public CompletableFuture<Answer> clearHeld(
      String rawSha256, Optional<String> reason, Caller caller) {
    return CompletableFuture.supplyAsync(() -> held.clear(rawSha256, reason, caller), blocking);
  }

  /** {@code POST /-/admin/reload}, on the blocking executor. */
  public CompletableFuture<Answer> reload(Caller caller) {
    return CompletableFuture.supplyAsync(() -> reloadNow(caller), blocking);
  }

  private static ObjectNode endpointList() {
    ObjectNode o = JSON.createObjectNode();
    o.put(
        "GET /-/admin/stats", "cached files and bytes, pages, hit rates, upstream health, policy");
    o.put("GET /-/admin/blocks?limit=N", "the newest blocking decisions, newest first");
    o.put(
        "POST /-/admin/purge/<project>", "forget the project's pages and delete its stored files");
    o.put(
        "POST /-/admin/purge/<project>/<filename>", "delete one stored file and its core metadata");
    o.put("POST /-/admin/reload", "read the policy and tokens files now");
    o.put("GET /-/admin/findings", "the newest inspections that found something (100 at most)");
    o.put("GET /-/admin/held", "the files held for review (hold rules), newest first");
    o.put(
        "POST /-/admin/held/<sha256>/clear?reason=...",
        "clear a held file on every replica, and get its exception entry");
    return o;
  }

  /** {@code GET /-/admin/blocks?limit=N}. */
  public Answer blocks(Optional<String> raw) {
    int limit = DEFAULT_BLOCKS;
    int max = ops.blocks().capacity();
    if (raw.isPresent()) {
      try {
        limit = Integer.parseInt(raw.get());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > max) {
        return new Text(
            400, "limit: \"" + raw.get() + "\" (expected: a number from 1 to " + max + ")");
      }
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("capacity", max);
    var list = o.putArray("blocks");
    for (RecentBlocks.Entry e : ops.blocks().newest(limit)) {
      list.add(Snapshot.toJson(e));
    }
    return new Json(200, o);
  }

  private Answer reloadNow(Caller caller) {
    Map<String, Reload> results = ops.reload();
    ObjectNode o = JSON.createObjectNode();
    boolean invalid = false;
    for (Map.Entry<String, Reload> e : results.entrySet()) {
      ObjectNode n = o.putObject(e.getKey());
      Reload r = e.getValue();
      n.put("outcome", r.outcome());
      if (r instanceof Reload.Reloaded ok) {
        n.put("version", ok.version());
      } else if (r instanceof Reload.Unchanged same) {
        n.put("version", same.version());
      } else if (r instanceof Reload.Invalid bad) {
        invalid = true;
        n.put("problems", bad.problems());
      }
    }
    LOG.info("reload asked by {} ({}): {}", caller.user(), caller.remote(), o);
    return new Json(invalid ? 422 : 200, o);
  }

  /**
   * Purges a project (its pages from every upstream's cache, its judged and rendered pages, and the
   * stored files its cached pages list) or one of its files (the file and its core metadata).
   */
  public CompletableFuture<Answer> purge(String raw, Optional<String> filename, Caller caller) {
    Optional<ProjectName> parsed = ProjectName.parse(raw);
    if (parsed.isEmpty()) {
      return CompletableFuture.completedFuture(new Text(400, "not a valid project name: " + raw));
    }
    ProjectName name = parsed.get();
    List<CompletableFuture<Optional<CachedPage<ProjectPage>>>> cached = new ArrayList<>();
    for (PageCache pc : pages) {
      cached.add(pc.cached(name));
    }
    return CompletableFuture.allOf(cached.toArray(CompletableFuture[]::new))
        .thenApplyAsync(
            done -> {
              var files = new LinkedHashSet<Sha256>();
              int purged = 0;
              boolean fileKnown = false;
              for (int i = 0; i < cached.size(); i++) {
                Optional<CachedPage<ProjectPage>> page = cached.get(i).join();
                if (page.isEmpty()) {
                  continue;
                }
                for (FileEntry f : page.get().value().files()) {
                  if (filename.isEmpty() || f.filename().equals(filename.get())) {
                    fileKnown |= filename.isPresent();
                    stored(f).forEach(files::add);
                  }
                }
                if (filename.isEmpty()) {
                  pages.get(i).purge(name);
                  purged++;
                }
              }
              if (filename.isPresent() && !fileKnown) {
                return new Text(
                    404, filename.get() + " is not a file of " + name + " on any cached page");
              }
              long[] deleted = delete(files);
              ops.storeChanged();
              ObjectNode o = JSON.createObjectNode();
              o.put("project", name.value());
              filename.ifPresent(f -> o.put("file", f));
              if (filename.isEmpty()) {
                o.put("pages", purged);
                o.put("rendered", purgeRendered.applyAsInt(name.value()));
              }
              o.put("files", deleted[0]);
              o.put("bytes", deleted[1]);
              LOG.info("purge asked by {} ({}): {}", caller.user(), caller.remote(), o);
              return (Answer) new Json(200, o);
            },
            blocking);
  }

  /** The store keys of a file and of its core metadata. */
  private static List<Sha256> stored(FileEntry f) {
    var keys = new ArrayList<Sha256>(2);
    f.digest().ifPresent(keys::add);
    f.metadataSha256().flatMap(Sha256::parse).ifPresent(keys::add);
    return keys;
  }

  /**
   * Deletes blobs here and from the store shared with other replicas (else the next request would
   * fetch them back from it): how many were here, and their bytes.
   */
  private long[] delete(Set<Sha256> keys) {
    long count = 0;
    long bytes = 0;
    for (Sha256 k : keys) {
      try {
        if (storage.store().isPresent()) {
          storage.store().get().delete(dev.pypiguard.core.cache.SharedBlobs.key(k));
        }
        Optional<Path> p = store.find(k);
        long size = p.isPresent() ? Files.size(p.get()) : 0;
        if (store.delete(k)) {
          count++;
          bytes += size;
        }
      } catch (IOException e) {
        LOG.warn("purge: cannot delete {}: {}", k, e.toString());
      }
    }
    return new long[] {count, bytes};
  }

  // ---- the snapshot both show ------------------------------------------------------------

  /**
   * What the status page and {@code /-/admin/stats} show; {@code base} is the proxy's external URL.
   */
  public CompletableFuture<Snapshot> snapshot(String base) {
    return CompletableFuture.supplyAsync(
        () -> {
          // The store's directory (as ProxyServer lays it out), not a FileSystemBlobStore method:
          // what is measured is what this machine holds.
          var measured =
              ops.storeUsage(() -> usage(config.cacheDir().resolve("blobs").resolve("sha256")));
          long[] stored = {measured.files(), measured.bytes()};
          var pageCounts = new LinkedHashMap<String, Long>();
          for (PageCache pc : pages) {
            String name = pc.upstream().name();
            pageCounts.put(name, countPages(config.cacheDir().resolve("pages").resolve(name)));
          }
          var lookups = new LinkedHashMap<String, long[]>();
          KINDS.forEach(k -> lookups.put(k, new long[3]));
          for (Counter c : registry.find("pypiguard.cache.requests").counters()) {
            String kind = c.getId().getTag("kind");
            String result = String.valueOf(c.getId().getTag("result"));
            long[] n = lookups.computeIfAbsent(kind, k -> new long[3]);
            int slot = result.equals("hit") ? 0 : result.equals("miss") ? 1 : 2;
            n[slot] += (long) c.count();
          }
          var cache = new LinkedHashMap<String, Snapshot.Lookups>();
          lookups.forEach((k, n) -> cache.put(k, new Snapshot.Lookups(n[0], n[1], n[2])));
          var judge = this.judge.get();
          return new Snapshot(
              BuildInfo.current(),
              Instant.now(),
              ops.started(),
              base + "/simple/",
              stored[0],
              stored[1],
              pageCounts,
              cache,
              ops.health().states(pages.stream().map(PageCache::upstream).toList()),
              ops.blocks().newest(ops.blocks().capacity()),
              new Snapshot.Policy(
                  judge.version(),
                  ops.policy().policy().mode().spelling(),
                  ops.policy().file().map(Path::toString)),
              ops.authEnabled(),
              config.offline(),
              config.storage() instanceof dev.pypiguard.server.config.Storage.S3 b
                  ? Optional.of(b.describe() + ": " + String.join("; ", storage.health()))
                  : Optional.empty(),
              dev.pypiguard.server.policy.Defences.of(ops.policy().policy(), advisories),
              inspections.recent(StatusPage.FINDINGS_SHOWN).stream()
                  .map(
                      r ->
                          new Snapshot.Finding(
                              r.time(),
                              r.filename(),
                              r.sha256(),
                              java.util.stream.Stream.concat(
                                      r.inspection().findings().stream()
                                          .map(dev.pypiguard.policy.inspection.Finding::describe),
                                      r.inspection().commands().stream()
                                          .map(
                                              c ->
                                                  "installs the command "
                                                      + c.name()
                                                      + " ("
                                                      + c.path()
                                                      + ")"))
                                  .toList()))
                  .toList());
        },
        blocking);
  }

  /** Files under {@code dir} and their bytes. */
  private static long[] usage(Path dir) {
    long[] n = new long[2];
    if (!Files.isDirectory(dir)) {
      return n;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isRegularFile()) {
                n[0]++;
                n[1] += attrs.size();
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // deleted meanwhile (eviction, purge)
            }
          });
    } catch (IOException e) {
      LOG.warn("cannot measure {}: {}", dir, e.toString());
    }
    return n;
  }

  /** Project pages persisted in one upstream's page directory (the project list not counted). */
  private static long countPages(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(".json") && !f.startsWith("_"))
          .count();
    } catch (IOException e) {
      return 0;
    }
  }
}
