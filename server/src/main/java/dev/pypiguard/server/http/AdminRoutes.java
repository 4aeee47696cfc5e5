package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.server.Version;
import dev.pypiguard.server.admin.RecentBlocks;
import dev.pypiguard.server.admin.Snapshot;
import dev.pypiguard.server.admin.StatusPage;
import dev.pypiguard.server.config.Reload;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page at {@code /} and the admin API under {@code /-/admin/}: statistics, purging a
 * project or one file, reloading the policy and tokens, and the recent blocking decisions.
 * Everything that reads the disk runs on the blocking executor.
 */
final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KINDS = List.of("project", "index", "file", "metadata");
  static final int DEFAULT_BLOCKS = 50;

  private AdminRoutes() {}

  // ---- the status page -------------------------------------------------------------------

  /** {@code GET /}: HTML for browsers, plain text for clients that do not ask for HTML. */
  static CompletableFuture<Reply> home(Exchange ex, Services s, String base) {
    String accept = ex.headers.get(HttpHeaderNames.ACCEPT, "");
    boolean html = accept.toLowerCase(Locale.ROOT).contains("text/html");
    return snapshot(s, base).thenApply(snap -> {
      FullHttpResponse r;
      if (html) {
        r = body(HttpResponseStatus.OK, StatusPage.render(snap).getBytes(StandardCharsets.UTF_8),
            "text/html; charset=utf-8");
        r.headers().set("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
        r.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().set("Referrer-Policy", "no-referrer");
      } else {
        r = Exchange.text(HttpResponseStatus.OK, StatusPage.text(snap));
      }
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      r.headers().set(HttpHeaderNames.VARY, "Accept");
      return new Reply.Complete(r);
    });
  }

  // ---- the admin API ---------------------------------------------------------------------

  /**
   * {@code /-/admin/...}; the caller checked the admin role, and {@link Router} the endpoint and
   * its method. A change is refused when it comes from another site.
   */
  static CompletableFuture<Reply> serve(Exchange ex, Services s, Route.AdminAction action, String base) {
    if (action.changes() && crossOrigin(ex)) {
      return Reply.text(HttpResponseStatus.FORBIDDEN, "cross-origin admin requests are refused").now();
    }
    if (action instanceof Route.Stats) {
      return snapshot(s, base).thenApply(snap -> json(HttpResponseStatus.OK, snap.toJson()));
    } else if (action instanceof Route.Blocks b) {
      return blocks(s, b.limit()).now();
    } else if (action instanceof Route.Reload) {
      return CompletableFuture.supplyAsync(() -> reload(ex, s), s.blocking());
    } else if (action instanceof Route.Purge p) {
      return purge(ex, s, p.rawProject(), p.filename());
    } else if (action instanceof Route.Findings) {
      return json(HttpResponseStatus.OK, HeldFiles.findings(s, 100)).now();
    } else if (action instanceof Route.Held) {
      return json(HttpResponseStatus.OK, HeldFiles.list(s)).now();
    } else if (action instanceof Route.ClearHeld c) {
      return CompletableFuture.supplyAsync(() -> HeldFiles.clear(ex, s, c.rawSha256(), c.reason()), s.blocking());
    }
    return json(HttpResponseStatus.OK, endpoints()).now();
  }

  private static ObjectNode endpoints() {
    ObjectNode o = JSON.createObjectNode();
    o.put("GET /-/admin/stats", "cached files and bytes, pages, hit rates, upstream health, policy");
    o.put("GET /-/admin/blocks?limit=N", "the newest blocking decisions, newest first");
    o.put("POST /-/admin/purge/<project>", "forget the project's pages and delete its stored files");
    o.put("POST /-/admin/purge/<project>/<filename>", "delete one stored file and its core metadata");
    o.put("POST /-/admin/reload", "read the policy and tokens files now");
    o.put("GET /-/admin/findings", "the newest inspections that found something (100 at most)");
    o.put("GET /-/admin/held", "the files held for review (hold rules), newest first");
    o.put("POST /-/admin/held/<sha256>/clear?reason=...", "clear a held file on every replica, and get its exception entry");
    return o;
  }

  /**
   * A browser sends {@code Origin} with a POST; one from another site is refused, so a page
   * elsewhere cannot make an administrator's browser purge or reload (cross-site request forgery).
   */
  private static boolean crossOrigin(Exchange ex) {
    String origin = ex.headers.get(HttpHeaderNames.ORIGIN);
    String site = ex.headers.get("Sec-Fetch-Site");
    boolean cross = site != null && !(site.equals("same-origin") || site.equals("none"));
    if (origin != null) {
      String host = ex.headers.get(HttpHeaderNames.HOST, "");
      try {
        String authority = URI.create(origin).getRawAuthority();
        cross |= authority == null || !authority.equalsIgnoreCase(host);
      } catch (IllegalArgumentException e) {
        cross = true;
      }
    }
    return cross;
  }

  private static Reply blocks(Services s, Optional<String> raw) {
    int limit = DEFAULT_BLOCKS;
    int max = s.ops().blocks().capacity();
    if (raw.isPresent()) {
      try {
        limit = Integer.parseInt(raw.get());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > max) {
        return Reply.text(HttpResponseStatus.BAD_REQUEST,
            "limit: \"" + raw.get() + "\" (expected: a number from 1 to " + max + ")");
      }
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("capacity", max);
    var list = o.putArray("blocks");
    for (RecentBlocks.Entry e : s.ops().blocks().newest(limit)) {
      list.add(Snapshot.toJson(e));
    }
    return json(HttpResponseStatus.OK, o);
  }

  private static Reply reload(Exchange ex, Services s) {
    Map<String, Reload> results = s.ops().reload();
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
    LOG.info("reload asked by {} ({}): {}", ex.user, ex.remote(), o);
    return json(invalid ? HttpResponseStatus.UNPROCESSABLE_ENTITY : HttpResponseStatus.OK, o);
  }

  /**
   * Purges a project (its pages from every upstream's cache, its judged and rendered pages, and
   * the stored files its cached pages list) or one of its files (the file and its core metadata).
   */
  private static CompletableFuture<Reply> purge(Exchange ex, Services s, String raw, Optional<String> filename) {
    Optional<ProjectName> parsed = ProjectName.parse(raw);
    if (parsed.isEmpty()) {
      return Reply.text(HttpResponseStatus.BAD_REQUEST, "not a valid project name: " + raw).now();
    }
    String name = parsed.get().value();
    List<CompletableFuture<Optional<CachedPage<ProjectPage>>>> cached = new ArrayList<>();
    for (PageCache pc : s.pages()) {
      cached.add(pc.cached(name));
    }
    return CompletableFuture.allOf(cached.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
      var files = new LinkedHashSet<Sha256>();
      int pages = 0;
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
          s.pages().get(i).purge(name);
          pages++;
        }
      }
      if (filename.isPresent() && !fileKnown) {
        return Reply.notFound(filename.get() + " is not a file of " + name + " on any cached page");
      }
      long[] deleted = delete(s, files);
      s.ops().storeChanged();
      ObjectNode o = JSON.createObjectNode();
      o.put("project", name);
      filename.ifPresent(f -> o.put("file", f));
      if (filename.isEmpty()) {
        o.put("pages", pages);
        o.put("rendered", s.rendered().purge(name));
      }
      o.put("files", deleted[0]);
      o.put("bytes", deleted[1]);
      LOG.info("purge asked by {} ({}): {}", ex.user, ex.remote(), o);
      return json(HttpResponseStatus.OK, o);
    }, s.blocking());
  }

  /** The store keys of a file and of its core metadata. */
  private static List<Sha256> stored(FileEntry f) {
    var keys = new ArrayList<Sha256>(2);
    f.sha256().flatMap(Sha256::parse).ifPresent(keys::add);
    f.metadata().flatMap(m -> Optional.ofNullable(m.hashes().get("sha256"))).flatMap(Sha256::parse)
        .ifPresent(keys::add);
    return keys;
  }

  /**
   * Deletes blobs here and from the store shared with other replicas (else the next request
   * would fetch them back from it): how many were here, and their bytes.
   */
  private static long[] delete(Services s, Set<Sha256> keys) {
    long count = 0;
    long bytes = 0;
    for (Sha256 k : keys) {
      try {
        if (s.storage().store().isPresent()) {
          s.storage().store().get().delete(dev.pypiguard.core.cache.SharedBlobs.key(k));
        }
        Optional<Path> p = s.store().find(k);
        long size = p.isPresent() ? Files.size(p.get()) : 0;
        if (s.store().delete(k)) {
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

  static CompletableFuture<Snapshot> snapshot(Services s, String base) {
    return CompletableFuture.supplyAsync(() -> {
      // The store's directory (as ProxyServer lays it out), not a FileSystemBlobStore method:
      // what is measured is what this machine holds.
      var measured = s.ops().storeUsage(() -> usage(s.config().cacheDir().resolve("blobs").resolve("sha256")));
      long[] store = {measured.files(), measured.bytes()};
      var pages = new LinkedHashMap<String, Long>();
      for (PageCache pc : s.pages()) {
        String name = pc.upstream().name();
        pages.put(name, countPages(s.config().cacheDir().resolve("pages").resolve(name)));
      }
      var lookups = new LinkedHashMap<String, long[]>();
      KINDS.forEach(k -> lookups.put(k, new long[3]));
      for (Counter c : s.metrics().registry().find("pypiguard.cache.requests").counters()) {
        String kind = c.getId().getTag("kind");
        String result = String.valueOf(c.getId().getTag("result"));
        long[] n = lookups.computeIfAbsent(kind, k -> new long[3]);
        int slot = result.equals("hit") ? 0 : result.equals("miss") ? 1 : 2;
        n[slot] += (long) c.count();
      }
      var cache = new LinkedHashMap<String, Snapshot.Lookups>();
      lookups.forEach((k, n) -> cache.put(k, new Snapshot.Lookups(n[0], n[1], n[2])));
      var judge = s.judge().get();
      var ops = s.ops();
      return new Snapshot(Version.current(), Instant.now(), ops.started(), base + "/simple/", store[0], store[1],
          pages, cache, ops.health().states(s.pages().stream().map(PageCache::upstream).toList()),
          ops.blocks().newest(ops.blocks().capacity()),
          new Snapshot.Policy(judge.version(), ops.policy().policy().mode().spelling(),
              ops.policy().file().map(Path::toString)),
          ops.authEnabled(), s.config().offline(),
          s.config().storage() instanceof dev.pypiguard.server.config.Storage.S3 b
              ? Optional.of(b.describe() + ": " + String.join("; ", s.storage().health())) : Optional.empty(),
          dev.pypiguard.server.policy.Defences.of(ops.policy().policy(), s.advisories()),
          s.inspections().recent(StatusPage.FINDINGS_SHOWN).stream().map(r -> new Snapshot.Finding(r.time(),
              r.filename(), r.sha256(), java.util.stream.Stream.concat(
                  r.inspection().findings().stream().map(dev.pypiguard.policy.inspection.Finding::describe),
                  r.inspection().commands().stream().map(c -> "installs the command " + c.name() + " (" + c.path() + ")"))
                  .toList())).toList());
    }, s.blocking());
  }

  /** Files under {@code dir} and their bytes. */
  private static long[] usage(Path dir) {
    long[] n = new long[2];
    if (!Files.isDirectory(dir)) {
      return n;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
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
      return files.map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(".json") && !f.startsWith("_")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  // ---- responses ---------------------------------------------------------------------------

  static Reply json(HttpResponseStatus status, ObjectNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    var r = body(status, bytes, "application/json");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return new Reply.Complete(r);
  }

  private static FullHttpResponse body(HttpResponseStatus status, byte[] bytes, String type) {
    var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return r;
  }

}
