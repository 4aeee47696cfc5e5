package dev.pypiguard.server.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.cache.SharedBlobs;
import dev.pypiguard.core.io.DurableFile;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Loads an exported mirror into a cache on the other side of an air gap. Everything is verified
 * first (every manifest entry's size and sha256, every page file's digest against the manifest or
 * the cache); only a mirror without a single problem is then published: blobs into the
 * content-addressed store, provenance beside them, then the pages, read through the same {@link
 * PageCache} the proxy uses (the mirror as a {@code file:} upstream) so they are persisted exactly
 * as the proxy keeps them.
 */
final class Importer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A verified manifest entry ready to publish. */
  private record Entry(
      Path file, String rel, Sha256 sha, long size, String kind, String artifactSha) {}

  /** The outcome of an import: published counts, or the problems that refused it. */
  sealed interface Result {
    record Imported(int files, int projects) implements Result {}

    record Refused(List<String> problems) implements Result {}
  }

  private final Path cacheDir;
  private final java.util.function.UnaryOperator<String> upstreamFor;
  private final java.util.Optional<ObjectStore> shared;

  Importer(Path cacheDir, String upstreamName) {
    this(cacheDir, project -> upstreamName, java.util.Optional.empty());
  }

  /**
   * An importer whose pages go where the proxy will look for them ({@code upstreamFor} names the
   * upstream that serves a project: its owner, else the first), and that also puts what it imports
   * into {@code shared} (the bucket of {@code storage: {type: s3}}), so that every replica serves
   * it; it returns once all is there.
   */
  Importer(
      Path cacheDir,
      java.util.function.UnaryOperator<String> upstreamFor,
      java.util.Optional<ObjectStore> shared) {
    this.cacheDir = cacheDir;
    this.upstreamFor = upstreamFor;
    this.shared = shared;
  }

  Result load(Path in) throws IOException {
    Path root = in.toAbsolutePath().normalize();
    Path manifestFile = root.resolve("manifest.json");
    if (!Files.isRegularFile(manifestFile)) {
      return new Result.Refused(List.of(manifestFile + ": missing (not a pypi-guard export)"));
    }
    JsonNode manifest;
    try {
      manifest = JSON.readTree(manifestFile.toFile());
    } catch (IOException e) {
      return new Result.Refused(List.of(manifestFile + ": not valid JSON: " + e.getMessage()));
    }
    List<String> problems = new ArrayList<>();
    List<Entry> files = verify(root, manifest.path("files"), problems);
    List<Entry> pages = verify(root, manifest.path("pages"), problems);
    var store = new FileSystemBlobStore(cacheDir.resolve("blobs"));
    Set<Sha256> inMirror = files.stream().map(Entry::sha).collect(Collectors.toSet());
    List<ProjectName> projects = new ArrayList<>();
    for (Entry p : pages) {
      if (!p.rel().matches("simple/[^/]+/index\\.json")) {
        continue;
      }
      String project = p.rel().split("/")[1];
      if (!ProjectName.isNormalized(project)) {
        problems.add(p.rel() + ": not a normalized project name");
        continue;
      }
      projects.add(new ProjectName(project));
      try {
        ProjectPage page = SimpleJson.parsePage(Files.readAllBytes(p.file()), p.file().toUri());
        for (FileEntry f : page.files()) {
          Optional<Sha256> sha = f.digest();
          boolean have =
              sha.isPresent()
                  && (inMirror.contains(sha.get()) || store.find(sha.get()).isPresent());
          if (!have) {
            problems.add(
                p.rel()
                    + ": lists "
                    + f.filename()
                    + ", which is neither in this mirror nor in the cache (import the earlier export first)");
          }
        }
      } catch (RuntimeException e) {
        problems.add(p.rel() + ": unreadable page: " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      return new Result.Refused(problems);
    }
    // Everything checked: publish. Blobs first, so a page never names a file the cache lacks.
    for (Entry e : files) {
      if (e.kind().equals("provenance")) {
        Path side =
            cacheDir
                .resolve("provenance")
                .resolve(e.artifactSha().substring(0, 2))
                .resolve(e.artifactSha() + ".bin");
        DurableFile.copy(e.file(), side);
      } else {
        if (store.find(e.sha()).isEmpty()) {
          publish(store, e);
        }
        share(store, e.sha());
      }
    }
    loadPages(root, projects);
    return new Result.Imported(files.size(), projects.size());
  }

  private List<Entry> verify(Path root, JsonNode list, List<String> problems) {
    var out = new ArrayList<Entry>();
    List<JsonNode> all = new ArrayList<>();
    list.forEach(all::add);
    // Artifacts first: provenance entries name their artifact's digest.
    java.util.Map<String, String> artifactSha = new java.util.HashMap<>();
    for (JsonNode n : all) {
      String rel = n.path("path").asText("");
      Path p = root.resolve(rel).normalize();
      if (rel.isEmpty() || Path.of(rel).isAbsolute() || !p.startsWith(root) || rel.contains("..")) {
        problems.add("manifest.json: refused path \"" + rel + "\" (outside the mirror)");
        continue;
      }
      var sha = Sha256.parse(n.path("sha256").asText(""));
      if (sha.isEmpty()) {
        problems.add(rel + ": manifest gives no valid sha256");
        continue;
      }
      if (!Files.isRegularFile(p)) {
        problems.add(rel + ": missing");
        continue;
      }
      try {
        long size = Files.size(p);
        if (n.has("size") && n.path("size").asLong(-1) != size) {
          problems.add(
              rel + ": altered (size " + size + ", manifest says " + n.path("size").asLong() + ")");
          continue;
        }
        Sha256 actual = Exporter.sha256Of(p);
        if (!actual.equals(sha.get())) {
          problems.add(
              rel
                  + ": altered (sha256 "
                  + actual.hex()
                  + ", manifest says "
                  + sha.get().hex()
                  + ")");
          continue;
        }
        String kind = n.path("kind").asText("artifact");
        if (kind.equals("artifact")) {
          artifactSha.put(rel, sha.get().hex());
        }
        out.add(new Entry(p, rel, sha.get(), size, kind, ""));
      } catch (IOException | RuntimeException e) {
        problems.add(rel + ": unreadable: " + e.getMessage());
      }
    }
    var resolved = new ArrayList<Entry>();
    for (Entry e : out) {
      if (e.kind().equals("provenance")) {
        String artifactRel = e.rel().substring(0, e.rel().length() - ".provenance".length());
        String a = artifactSha.get(artifactRel);
        if (a == null) {
          // An incremental mirror may carry provenance of an artifact imported earlier: read it
          // from the page instead.
          a = artifactFromPage(root, artifactRel).orElse(null);
        }
        if (a == null) {
          problems.add(e.rel() + ": its artifact " + artifactRel + " is not in the mirror");
          continue;
        }
        resolved.add(new Entry(e.file(), e.rel(), e.sha(), e.size(), e.kind(), a));
      } else {
        resolved.add(e);
      }
    }
    return resolved;
  }

  private static java.util.Optional<String> artifactFromPage(Path root, String artifactRel) {
    String[] parts = artifactRel.split("/");
    if (parts.length != 3) {
      return java.util.Optional.empty();
    }
    Path page = root.resolve("simple").resolve(parts[1]).resolve("index.json");
    try {
      return SimpleJson.parsePage(Files.readAllBytes(page), page.toUri())
          .file(parts[2])
          .flatMap(FileEntry::sha256);
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  private static void publish(FileSystemBlobStore store, Entry e) throws IOException {
    try (BlobWriter w = store.create(e.sha());
        InputStream in = Files.newInputStream(e.file())) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        w.append(ByteBuffer.wrap(buf, 0, n));
      }
      // The store verifies the digest once more: a file changed since verification is refused.
      w.commit(e.size());
    }
  }

  /** Uploads a published blob to the shared store, unless it is there already. */
  private void share(FileSystemBlobStore store, Sha256 sha) throws IOException {
    if (shared.isEmpty()) {
      return;
    }
    String key = SharedBlobs.key(sha);
    if (!shared.get().exists(key)) {
      shared
          .get()
          .upload(
              key, store.find(sha).orElseThrow(() -> new IOException("blob " + sha + " vanished")));
    }
  }

  /** Reads the mirror's pages through a page cache with the mirror as a file: upstream. */
  private void loadPages(Path root, List<ProjectName> projects) throws IOException {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (var client = new UpstreamClient(UpstreamClient.Settings.defaults("pypi-guard-import"))) {
      java.util.function.Function<String, PageCache> cacheOf =
          name ->
              new PageCache(
                  Upstream.of(name, root.resolve("simple").toUri()),
                  client,
                  cacheDir,
                  new PageCache.Settings(Duration.ZERO, Duration.ZERO, false),
                  pool,
                  Clock.systemUTC(),
                  PageCache.Listener.NONE,
                  shared);
      var caches = new java.util.HashMap<String, PageCache>();
      for (ProjectName p : projects) {
        PageCache pages = caches.computeIfAbsent(upstreamFor.apply(p.value()), cacheOf);
        pages.purge(p);
        var lookup = pages.project(p).join();
        if (!(lookup instanceof PageLookup.Found<?>)) {
          throw new IOException("simple/" + p + "/: could not be loaded: " + lookup);
        }
      }
      caches.values().forEach(c -> c.index().join());
      // The page caches share their copies on the pool: let those writes finish.
      pool.shutdown();
      if (!pool.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES)) {
        throw new IOException("the pages could not be shared within 10 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sharing pages", e);
    } finally {
      pool.shutdownNow();
    }
  }
}
