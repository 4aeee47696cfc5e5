package dev.pypiguard.server.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.blob.BlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.requirement.Marker;
import dev.pypiguard.core.requirement.Requirement;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.version.Version;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Fills the cache through a running proxy, as pip would: it reads the proxy's (policy-filtered) PEP
 * 691 pages, picks releases, fetches their files, core metadata and provenance through the proxy,
 * and follows {@code Requires-Dist} for every target.
 *
 * <p>Driving the proxy over HTTP, rather than calling its services, means a seeded file passed
 * exactly the checks a pip install would have met: policy, hash verification, caching. Files the
 * store already holds are not fetched again, so an interrupted seed resumes where it stopped.
 *
 * <p>Resolution is deliberately simple, not pip's backtracking: each requirement gets the newest
 * allowed version matching it, for each target. Several requirements on one project may so seed
 * several versions, a superset of what pip will pick, which is harmless for a mirror.
 */
final class Seeder {
  /** One release chosen for a target, with the extras asked of it and why. */
  private record Release(
      ProjectName project,
      String version,
      Target target,
      Set<String> extras,
      List<FileEntry> files,
      String via) {}

  /** A requirement to resolve for a target. */
  private record Need(Requirement requirement, Target target) {}

  private final URI base;
  private final BlobStore store;
  private final List<Target> targets;
  private final Progress progress;
  private final HttpClient http;
  private final ExecutorService pool;
  private final Map<String, CompletableFuture<Optional<ProjectPage>>> pages =
      new ConcurrentHashMap<>();
  private final Set<String> fetched = ConcurrentHashMap.newKeySet();
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  private int files;

  Seeder(URI base, BlobStore store, List<Target> targets, int jobs, Progress progress) {
    this.base = base;
    this.store = store;
    this.targets = List.copyOf(targets);
    this.progress = progress;
    this.pool =
        Executors.newFixedThreadPool(
            Math.max(1, jobs),
            r -> {
              Thread t = new Thread(r, "seed");
              t.setDaemon(true);
              return t;
            });
    // The client gets threads of its own: a synchronous send on a pool thread waits for the
    // client's executor to deliver the answer, so with the pool as that executor, as many
    // downloads at once as --jobs starved it and seed hung for ever (issue 14).
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** What a seed did. */
  record Outcome(int releases, int files, List<String> problems) {}

  Outcome run(List<Requirement> requirements, List<ProjectName> projects, OptionalInt latest) {
    try {
      return seed(requirements, projects, latest);
    } finally {
      pool.shutdownNow();
    }
  }

  private Outcome seed(
      List<Requirement> requirements, List<ProjectName> projects, OptionalInt latest) {
    List<Release> wave = new ArrayList<>();
    List<Need> needs = new ArrayList<>();
    for (Target t : targets) {
      for (Requirement r : requirements) {
        if (r.marker().isEmpty() || r.marker().get().keeps(t.environment(Set.of()))) {
          needs.add(new Need(r, t));
        }
      }
      for (ProjectName p : projects) {
        wave.addAll(allVersions(p, t, latest));
      }
    }
    Set<String> seenNeeds = new LinkedHashSet<>();
    Set<String> seenReleases = new LinkedHashSet<>();
    int releases = 0;
    while (!needs.isEmpty() || !wave.isEmpty()) {
      for (Need n : needs) {
        if (seenNeeds.add(n.target() + "|" + n.requirement() + "|" + n.requirement().hashes())) {
          choose(n).ifPresent(wave::add);
        }
      }
      needs = new ArrayList<>();
      List<Release> fresh = new ArrayList<>();
      for (Release r : wave) {
        if (seenReleases.add(
            r.project() + "|" + r.version() + "|" + r.target() + "|" + r.extras())) {
          fresh.add(r);
        }
      }
      wave = new ArrayList<>();
      releases += fresh.size();
      fetchAll(fresh);
      for (Release r : fresh) {
        needs.addAll(dependencies(r));
      }
    }
    progress.finish();
    return new Outcome(releases, files, List.copyOf(problems));
  }

  // ---- pages and choices ---------------------------------------------------------------------

  private Optional<ProjectPage> page(ProjectName name) {
    return pages
        .computeIfAbsent(
            name.value(),
            n ->
                CompletableFuture.supplyAsync(
                    () -> {
                      URI url = base.resolve("/simple/" + n + "/");
                      HttpRequest req =
                          HttpRequest.newBuilder(url)
                              .timeout(Duration.ofMinutes(2))
                              .header("Accept", "application/vnd.pypi.simple.v1+json")
                              .build();
                      try {
                        HttpResponse<byte[]> resp =
                            http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        if (resp.statusCode() == 404) {
                          return Optional.<ProjectPage>empty();
                        }
                        if (resp.statusCode() != 200) {
                          throw new IOException(
                              "HTTP "
                                  + resp.statusCode()
                                  + ": "
                                  + new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8)
                                      .trim());
                        }
                        return Optional.of(SimpleJson.parsePage(resp.body(), url));
                      } catch (IOException e) {
                        throw new java.io.UncheckedIOException(
                            "reading the page of " + n + ": " + e.getMessage(), e);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted");
                      }
                    },
                    pool))
        .join();
  }

  /** Files grouped by version (newest first) that {@code target} can install. */
  private Map<Version, List<FileEntry>> installable(
      ProjectName name, ProjectPage page, Target target) {
    Map<Version, List<FileEntry>> byVersion = new TreeMap<>(Comparator.reverseOrder());
    for (FileEntry f : page.files()) {
      Optional<DistributionFilename> df = DistributionFilename.parse(f.filename(), name);
      if (df.isEmpty()
          || f.sha256().isEmpty()
          || !target.installs(df.get())
          || !target.admits(f.requiresPython())) {
        continue;
      }
      Version.tryParse(df.get().version())
          .ifPresent(v -> byVersion.computeIfAbsent(v, k -> new ArrayList<>()).add(f));
    }
    return byVersion;
  }

  private Optional<Release> choose(Need n) {
    Requirement r = n.requirement();
    Optional<ProjectPage> page;
    try {
      page = page(r.name());
    } catch (RuntimeException e) {
      problems.add(r + " (" + r.origin() + "): " + rootMessage(e));
      return Optional.empty();
    }
    if (page.isEmpty()) {
      problems.add(r + " (" + r.origin() + "): no such project on the index (or hidden by policy)");
      return Optional.empty();
    }
    boolean pinned =
        r.specifier().specifiers().stream()
            .anyMatch(s -> s.operator().symbol().startsWith("==") && !s.isWildcard());
    Map<Version, List<FileEntry>> byVersion = installable(r.name(), page.get(), n.target());
    Optional<Release> best = Optional.empty();
    // pip prefers final releases; pre-releases only when nothing else matches (PEP 440).
    for (boolean pre : new boolean[] {false, true}) {
      for (var e : byVersion.entrySet()) {
        if ((!pre && e.getKey().isPrerelease()) || !r.specifier().contains(e.getKey())) {
          continue;
        }
        List<FileEntry> ok =
            e.getValue().stream()
                // PEP 592: a yanked file is only chosen by an exact pin.
                .filter(f -> pinned || !f.yanked().yanked())
                .filter(f -> r.hashes().isEmpty() || r.hashes().contains(f.sha256().orElse("")))
                .toList();
        if (!ok.isEmpty()) {
          best =
              Optional.of(
                  new Release(
                      r.name(), e.getKey().toString(), n.target(), r.extras(), ok, r.origin()));
          break;
        }
      }
      if (best.isPresent()) {
        break;
      }
    }
    if (best.isEmpty()) {
      problems.add(r + " (" + r.origin() + ", " + n.target() + "): " + whyNone(r, page.get()));
    }
    return best;
  }

  private static String whyNone(Requirement r, ProjectPage page) {
    var why =
        new StringBuilder(
            r.hashes().isEmpty()
                ? "no allowed file matches"
                : "no allowed file matches the --hash values");
    JsonNode guard = page.extra().get("_pypi-guard");
    if (guard != null && guard.path("removed").size() > 0) {
      why.append("; blocked by policy:");
      int shown = 0;
      for (JsonNode f : guard.path("removed")) {
        if (!r.specifier().contains(f.path("version").asText())) {
          continue;
        }
        if (shown++ == 5) {
          why.append(" ...");
          break;
        }
        why.append(" ").append(f.path("filename").asText()).append(" (");
        List<String> reasons = new ArrayList<>();
        f.path("reasons")
            .forEach(x -> reasons.add(x.path("rule").asText() + ": " + x.path("message").asText()));
        why.append(String.join("; ", reasons)).append(")");
      }
    }
    return why.toString();
  }

  /** Every allowed version of a project for a target, or the newest N by upload time. */
  private List<Release> allVersions(ProjectName name, Target target, OptionalInt latest) {
    Optional<ProjectPage> page;
    try {
      page = page(name);
    } catch (RuntimeException e) {
      problems.add(name + " (--project): " + rootMessage(e));
      return List.of();
    }
    if (page.isEmpty()) {
      problems.add(name + " (--project): no such project on the index (or hidden by policy)");
      return List.of();
    }
    Map<Version, List<FileEntry>> byVersion = installable(name, page.get(), target);
    List<Map.Entry<Version, List<FileEntry>>> versions = new ArrayList<>(byVersion.entrySet());
    // Newest by upload time (the earliest upload of a release dates it); version order breaks ties.
    versions.sort(
        Comparator.comparing(
                (Map.Entry<Version, List<FileEntry>> e) ->
                    e.getValue().stream()
                        .map(f -> f.uploadInstant().orElse(Instant.EPOCH))
                        .min(Comparator.naturalOrder())
                        .orElse(Instant.EPOCH))
            .thenComparing(Map.Entry::getKey)
            .reversed());
    if (latest.isPresent()) {
      versions = versions.subList(0, Math.min(latest.getAsInt(), versions.size()));
    }
    if (versions.isEmpty()) {
      problems.add(name + " (--project, " + target + "): no allowed file for this target");
    }
    return versions.stream()
        .map(
            e ->
                new Release(
                    name, e.getKey().toString(), target, Set.of(), e.getValue(), "--project"))
        .toList();
  }

  // ---- fetching ----------------------------------------------------------------------------

  private void fetchAll(List<Release> releases) {
    Map<String, FileEntry> todo = new LinkedHashMap<>();
    for (Release r : releases) {
      for (FileEntry f : r.files()) {
        if (!fetched.contains(f.url())) {
          todo.putIfAbsent(f.url(), f);
        }
      }
    }
    progress.planned(todo.size());
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (FileEntry f : todo.values()) {
      running.add(CompletableFuture.runAsync(() -> fetch(f), pool));
    }
    CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
  }

  private void fetch(FileEntry f) {
    try {
      Sha256 sha = f.digest().orElseThrow();
      boolean cached = store.find(sha).isPresent();
      if (!cached) {
        download(URI.create(f.url()), Optional.of(sha.hex()));
      }
      // Core metadata and provenance ride along, so that the export can serve them offline.
      if (f.metadata().isPresent()) {
        download(URI.create(f.url() + ".metadata"), Optional.empty());
      }
      if (f.provenance().isPresent()) {
        download(URI.create(f.provenance().get()), Optional.empty());
      }
      fetched.add(f.url());
      synchronized (this) {
        files++;
      }
      progress.file(f.filename(), f.size().orElse(0), cached);
    } catch (IOException | RuntimeException e) {
      problems.add(f.filename() + ": " + rootMessage(e));
      progress.note("failed  " + f.filename() + ": " + rootMessage(e));
    }
  }

  /** Fetches through the proxy into nothing: the proxy keeps what passed its checks. */
  private byte[] download(URI url, Optional<String> expectSha) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(30)).build();
    try {
      HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = resp.body()) {
        if (resp.statusCode() != 200) {
          String body =
              new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8).trim();
          throw new IOException(
              "HTTP " + resp.statusCode() + " for " + url.getPath() + ": " + body);
        }
        MessageDigest digest = Sha256.digest();
        var small = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
          digest.update(buf, 0, n);
          if (expectSha.isEmpty() && small.size() < 16 * 1024 * 1024) {
            small.write(buf, 0, n);
          }
        }
        String got = HexFormat.of().formatHex(digest.digest());
        if (expectSha.isPresent() && !expectSha.get().equals(got)) {
          throw new IOException("sha256 mismatch for " + url.getPath());
        }
        return small.toByteArray();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  // ---- dependencies --------------------------------------------------------------------------

  private List<Need> dependencies(Release r) {
    Optional<byte[]> metadata = metadata(r);
    if (metadata.isEmpty()) {
      progress.note(
          "note: dependencies of "
              + r.project()
              + " "
              + r.version()
              + " not followed (no wheel or core metadata; sdist only)");
      return List.of();
    }
    var out = new ArrayList<Need>();
    Marker.Environment env = r.target().environment(r.extras());
    for (String line : CoreMetadata.requiresDist(metadata.get())) {
      Requirement dep;
      try {
        dep = Requirement.parse(line, r.project() + " " + r.version());
      } catch (IllegalArgumentException e) {
        problems.add(
            r.project()
                + " "
                + r.version()
                + ": unreadable Requires-Dist \""
                + line
                + "\": "
                + e.getMessage());
        continue;
      }
      if (dep.marker().isEmpty() || dep.marker().get().keeps(env)) {
        out.add(new Need(dep, r.target()));
      }
    }
    return out;
  }

  private Optional<byte[]> metadata(Release r) {
    for (FileEntry f : r.files()) {
      if (f.metadata().isPresent()) {
        try {
          return Optional.of(download(URI.create(f.url() + ".metadata"), Optional.empty()));
        } catch (IOException e) {
          // fall back to the wheel itself
        }
      }
    }
    for (FileEntry f : r.files()) {
      if (!f.filename().endsWith(".whl")) {
        continue;
      }
      try {
        Optional<java.nio.file.Path> p = store.find(f.digest().orElseThrow());
        if (p.isPresent()) {
          Optional<byte[]> m =
              dev.pypiguard.server.http.GeneratedMetadata.fromWheel(p.get(), f.filename());
          if (m.isPresent()) {
            return m;
          }
        }
      } catch (IOException | RuntimeException e) {
        problems.add(f.filename() + ": cannot read its METADATA: " + rootMessage(e));
      }
    }
    return Optional.empty();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.io.UncheckedIOException)
        && t.getCause() != null
        && t.getMessage() == null) {
      t = t.getCause();
    }
    if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
