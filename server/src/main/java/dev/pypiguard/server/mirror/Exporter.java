package dev.pypiguard.server.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.io.DurableFile;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.MetadataRef;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.server.policy.InspectionStore;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Writes what a cache holds as a self-contained static mirror (README "Air-gapped mirrors"): PEP
 * 503 HTML and PEP 691 JSON pages under {@code simple/} linking relatively to {@code files/}, the
 * artifacts with their core metadata and provenance beside them, and {@code manifest.json}.
 *
 * <p>Only files whose bytes the cache holds are listed, and only those the policy allows at export
 * time; each manifest entry records that decision and the policy version.
 *
 * <p>Incremental ({@code --since}): files already listed, with the same digest, in the earlier
 * manifest are not written nor listed again, but every page is written whole, listing every file
 * the cache holds. Copied over the earlier tree the delta makes a complete tree; imported after the
 * earlier mirror it completes the cache.
 */
final class Exporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+!~\\-]{0,250}");

  /** What an export wrote. */
  record Summary(int projects, int files, int skippedAsKnown, long bytes) {}

  private final Path cacheDir;
  private final FileSystemBlobStore store;
  private final PageJudge judge;
  private final Optional<InspectionStore> inspections;
  private final Map<String, String> generated;
  private final java.util.function.BiConsumer<String, String> unreadable;

  /**
   * @param inspections where the stored files' inspections are read (or made) before judging
   * @param generated filled with wheel sha256 to the sha256 of the METADATA read from the stored
   *     wheel, for wheels without advertised metadata, before judging: the metadata rule's source
   *     reads it, so export judges what it writes beside the wheel
   * @param unreadable told of each such wheel whose METADATA cannot be read (wheel sha256, why):
   *     the metadata rule holds it, so it is not exported unread (README §Fail closed)
   */
  Exporter(
      Path cacheDir,
      PageJudge judge,
      Optional<InspectionStore> inspections,
      Map<String, String> generated,
      java.util.function.BiConsumer<String, String> unreadable) {
    this.cacheDir = cacheDir;
    this.store = new FileSystemBlobStore(cacheDir.resolve("blobs"));
    this.judge = judge;
    this.inspections = inspections;
    this.generated = generated;
    this.unreadable = unreadable;
  }

  /** The cache's store, as this export reads (and completes) it. */
  FileSystemBlobStore store() {
    return store;
  }

  /**
   * What the rules read about the stored files of {@code page}, made known before it is judged
   * (README §Fail closed): each one's inspection, and a metadata-less wheel's own METADATA. A file
   * whose inspection fails stays uninspected, and the inspection rule holds it.
   */
  private void prepare(ProjectPage page) throws IOException {
    for (FileEntry f : page.files()) {
      Optional<Sha256> sha = f.digest();
      Optional<Path> blob = sha.isEmpty() ? Optional.empty() : store.find(sha.get());
      if (blob.isEmpty()) {
        continue;
      }
      if (inspections.isPresent()) {
        try {
          inspections
              .get()
              .ensure(sha.get(), blob.get(), Optional.of(f.filename()))
              .get(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // left uninspected: held by the inspection rule, so not exported
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("export interrupted");
        }
      }
      if (f.metadataSha256().isEmpty()
          && f.filename().toLowerCase(java.util.Locale.ROOT).endsWith(".whl")) {
        Optional<Path> own = ownMetadata(blob.get(), f.filename());
        if (own.isPresent()) {
          generated.put(sha.get().hex(), sha256Of(own.get()).hex());
        } else {
          unreadable.accept(
              sha.get().hex(), "core metadata could not be read: " + f.filename() + " has none");
        }
      }
    }
  }

  Summary export(Path out, Optional<Path> since) throws IOException {
    Set<String> known = since.isPresent() ? known(since.get()) : Set.of();
    Map<String, ProjectPage> pages = cachedPages();
    Files.createDirectories(out.resolve("simple"));
    ArrayNode files = JSON.createArrayNode();
    ArrayNode pageEntries = JSON.createArrayNode();
    List<String> projects = new ArrayList<>();
    int skipped = 0;
    long bytes = 0;
    for (var e : pages.entrySet()) {
      String project = e.getKey();
      ProjectPage page = e.getValue();
      prepare(page);
      JudgedPage judged = judge.judge("export", page);
      List<FileEntry> exported = new ArrayList<>();
      for (FileDecision d : judged.allowed()) {
        FileEntry f = d.file();
        Optional<Sha256> sha = f.digest();
        if (sha.isEmpty() || !FILENAME.matcher(f.filename()).matches()) {
          continue;
        }
        Optional<Path> blob = store.find(sha.get());
        if (blob.isEmpty()) {
          continue; // listed upstream, never fetched: not part of the mirror
        }
        String dir = "files/" + project + "/";
        String link = "../../" + dir + encode(f.filename());
        // PEP 700 size from the stored file when the upstream gave none, so the JSON claims 1.4.
        FileEntry x =
            f.withUrl(link)
                .withSize(
                    f.size().isPresent()
                        ? f.size()
                        : java.util.OptionalLong.of(Files.size(blob.get())));
        String version =
            DistributionFilename.parse(f.filename(), new ProjectName(project))
                .map(DistributionFilename::version)
                .orElse(d.version());
        ObjectNode entry =
            put(out, dir + f.filename(), blob.get(), known, "artifact", project, version, f, d);
        if (entry == null) {
          skipped++;
        } else {
          files.add(entry);
          bytes += entry.path("size").asLong();
        }
        // Core metadata (PEP 658/714), stored by its own digest or, hashless, beside the artifact
        // (an sdist's: a wheel's hashless metadata is never served, its own is).
        boolean wheel = f.filename().toLowerCase(java.util.Locale.ROOT).endsWith(".whl");
        Optional<Path> meta =
            f.metadataSha256()
                .flatMap(Sha256::parse)
                .flatMap(store::find)
                .or(
                    () ->
                        f.metadata()
                            .filter(m -> !wheel)
                            .map(m -> side("metadata", sha.get()))
                            .filter(Files::isRegularFile));
        if (meta.isEmpty() && wheel) {
          // README "Core metadata for every wheel": the upstream had none, the wheel has its own,
          // so that an air-gapped mirror resolves as fast as the proxy does.
          meta = ownMetadata(blob.get(), f.filename());
        }
        x = metadata(x, meta.map(Exporter::sha256Of));
        if (meta.isPresent()) {
          ObjectNode m =
              put(
                  out,
                  dir + f.filename() + ".metadata",
                  meta.get(),
                  known,
                  "metadata",
                  project,
                  version,
                  f,
                  d);
          if (m != null) {
            files.add(m);
          }
        }
        Path prov = side("provenance", sha.get());
        if (f.provenance().isPresent() && Files.isRegularFile(prov)) {
          x = x.withProvenance(Optional.of(link + ".provenance"));
          ObjectNode p =
              put(
                  out,
                  dir + f.filename() + ".provenance",
                  prov,
                  known,
                  "provenance",
                  project,
                  version,
                  f,
                  d);
          if (p != null) {
            files.add(p);
          }
        } else {
          x = x.withProvenance(Optional.empty());
        }
        exported.add(x);
      }
      if (exported.isEmpty()) {
        continue;
      }
      projects.add(project);
      // The private _pypi-guard key of a served page is not carried: the mirror is the result.
      var extra = new java.util.LinkedHashMap<>(page.extra());
      extra.remove("_pypi-guard");
      // versions: what the mirror holds (PEP 700), in PEP 440 order.
      var held = new java.util.TreeMap<dev.pypiguard.core.version.Version, String>();
      for (FileEntry file : exported) {
        DistributionFilename.parse(file.filename(), new ProjectName(project))
            .flatMap(
                n ->
                    dev.pypiguard.core.version.Version.tryParse(n.version())
                        .map(v -> Map.entry(v, n.version())))
            .ifPresent(v -> held.putIfAbsent(v.getKey(), v.getValue()));
      }
      ProjectPage served =
          page.withFiles(exported)
              .withExtra(extra)
              .withVersions(Optional.of(List.copyOf(held.values())));
      pageEntries.add(write(out, "simple/" + project + "/index.html", SimpleHtml.render(served)));
      pageEntries.add(write(out, "simple/" + project + "/index.json", SimpleJson.render(served)));
    }
    var index = new ProjectIndex("1.0", Map.of(), projects, Map.of());
    pageEntries.add(write(out, "simple/index.html", SimpleHtml.render(index)));
    pageEntries.add(write(out, "simple/index.json", SimpleJson.render(index)));
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("format", 1);
    manifest.put("policy-version", judge.version());
    if (since.isPresent()) {
      manifest.put("since", sha256Of(since.get()).hex());
    }
    manifest.set("files", files);
    manifest.set("pages", pageEntries);
    write(out, "manifest.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    return new Summary(projects.size(), files.size(), skipped, bytes);
  }

  private static FileEntry metadata(FileEntry f, Optional<Sha256> sha) {
    // Written with the digest of the bytes exported, so pip and the importer can verify them.
    Optional<MetadataRef> ref = sha.map(s -> new MetadataRef(Map.of("sha256", s.hex())));
    return new FileEntry(
        f.filename(),
        f.url(),
        f.hashes(),
        f.requiresPython(),
        f.yanked(),
        f.size(),
        f.uploadTime(),
        ref,
        ref,
        f.gpgSig(),
        f.provenance(),
        f.extra());
  }

  /** A stored wheel's own METADATA, kept in the store by its digest; empty when it has none. */
  private Optional<Path> ownMetadata(Path wheel, String filename) {
    try {
      Optional<byte[]> own = dev.pypiguard.server.http.GeneratedMetadata.fromWheel(wheel, filename);
      if (own.isEmpty()) {
        return Optional.empty();
      }
      Sha256 sha = Sha256.of(own.get());
      Optional<Path> stored = store.find(sha);
      if (stored.isPresent()) {
        return stored;
      }
      try (var w = store.create(sha)) {
        w.append(java.nio.ByteBuffer.wrap(own.get()));
        w.commit(own.get().length);
      }
      return store.find(sha);
    } catch (IOException e) {
      return Optional.empty(); // an unreadable wheel: held, not exported
    }
  }

  private Path side(String kind, Sha256 artifact) {
    return cacheDir
        .resolve(kind)
        .resolve(artifact.hex().substring(0, 2))
        .resolve(artifact.hex() + ".bin");
  }

  /** Copies a file into the tree unless the earlier manifest has it; returns its manifest entry. */
  private static @Nullable ObjectNode put(
      Path out,
      String rel,
      Path source,
      Set<String> known,
      String kind,
      String project,
      String version,
      FileEntry f,
      FileDecision d)
      throws IOException {
    Sha256 sha = kind.equals("artifact") ? f.digest().orElseThrow() : sha256Of(source);
    if (known.contains(rel + "\n" + sha.hex())) {
      return null;
    }
    Path target = out.resolve(rel);
    DurableFile.copy(source, target);
    ObjectNode e = JSON.createObjectNode();
    e.put("path", rel);
    e.put("sha256", sha.hex());
    e.put("size", Files.size(target));
    if (f.uploadTime().isPresent()) {
      e.put("upload-time", f.uploadTime().get());
    } else {
      e.putNull("upload-time");
    }
    e.put("project", project);
    e.put("version", version);
    e.put("kind", kind);
    if (!kind.equals("artifact")) {
      e.put("artifact", f.filename());
    }
    e.put("decision", d.decision().allowed() ? "allow" : "block");
    ArrayNode reasons = e.putArray("reasons");
    d.decision()
        .reasons()
        .forEach(r -> reasons.addObject().put("rule", r.rule()).put("message", r.message()));
    return e;
  }

  private static ObjectNode write(Path out, String rel, byte[] body) throws IOException {
    Path target = out.resolve(rel);
    DurableFile.write(target, body);
    ObjectNode e = JSON.createObjectNode();
    e.put("path", rel);
    e.put("sha256", Sha256.of(body).hex());
    e.put("size", body.length);
    return e;
  }

  static Sha256 sha256Of(Path p) {
    try (var in = Files.newInputStream(p)) {
      var md = Sha256.digest();
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return new Sha256(java.util.HexFormat.of().formatHex(md.digest()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Path and digest pairs of an earlier manifest. */
  private static Set<String> known(Path manifest) {
    try {
      JsonNode root = JSON.readTree(manifest.toFile());
      Set<String> out = new HashSet<>();
      for (JsonNode f : root.path("files")) {
        out.add(f.path("path").asText() + "\n" + f.path("sha256").asText());
      }
      return out;
    } catch (IOException e) {
      throw new dev.pypiguard.core.config.ConfigException(
          "--since: " + manifest + ": cannot read: " + e.getMessage());
    }
  }

  /** Every project page the cache holds (first upstream directory wins), by normalized name. */
  private Map<String, ProjectPage> cachedPages() throws IOException {
    Map<String, ProjectPage> out = new TreeMap<>();
    Path root = cacheDir.resolve("pages");
    if (!Files.isDirectory(root)) {
      return out;
    }
    List<Path> upstreams;
    try (Stream<Path> s = Files.list(root)) {
      upstreams = s.filter(Files::isDirectory).sorted().toList();
    }
    for (Path dir : upstreams) {
      List<Path> pageFiles;
      try (Stream<Path> s = Files.list(dir)) {
        pageFiles = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
      }
      for (Path p : pageFiles) {
        String name = p.getFileName().toString().replaceFirst("\\.json$", "");
        if (name.startsWith("_") || out.containsKey(name) || !ProjectName.isNormalized(name)) {
          continue;
        }
        try {
          JsonNode root2 = JSON.readTree(p.toFile());
          URI source = URI.create(root2.path("source").asText());
          out.put(name, SimpleJson.parsePage(JSON.writeValueAsBytes(root2.path("page")), source));
        } catch (IOException | RuntimeException e) {
          // An unreadable cached page is not exportable; the proxy ignores it too.
        }
      }
    }
    return out;
  }

  /** Percent-encodes a file name for a relative link (RFC 3986 unreserved characters kept). */
  static String encode(String filename) {
    var sb = new StringBuilder();
    for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || "-._~".indexOf(c) >= 0) {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }
}
