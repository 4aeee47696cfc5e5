package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.advisory.Advisory;
import dev.pypiguard.server.mirror.CoreMetadata;
import dev.pypiguard.server.policy.AdvisoryFeed;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PyPI's legacy JSON API ({@code /pypi/<project>/json}, {@code /pypi/<project>/<version>/json};
 * README "Legacy JSON API"), made from the same judged page the simple API serves: only allowed
 * files, versions whose every file is blocked left out, and {@code vulnerabilities} from the
 * advisory data this proxy judges with. {@code info} carries what the page and the core metadata
 * held in the store say; fields the proxy cannot know are {@code null}, as PyPI writes absent ones.
 */
final class LegacyJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter NAIVE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private LegacyJson() {}

  /**
   * The document, or empty when {@code version} names no release with an allowed file.
   *
   * @param version the release asked for, or empty for the project endpoint (the latest release)
   */
  static Optional<byte[]> render(
      Optional<AdvisoryFeed> advisories,
      GeneratedMetadata generated,
      FileSystemBlobStore store,
      JudgedPage judged,
      ProjectName project,
      Optional<String> version,
      String base)
      throws IOException {
    ProjectPage page = judged.page();
    var releases = new LinkedHashMap<String, List<FileDecision>>();
    var blockedOnly = new java.util.HashSet<String>();
    for (FileDecision d : judged.files()) {
      String v = d.version();
      if (v.isEmpty()) {
        continue;
      }
      if (d.decision().allowed()) {
        releases.computeIfAbsent(v, k -> new ArrayList<>()).add(d);
        blockedOnly.remove(normalized(v));
      } else if (!releases.containsKey(v)) {
        blockedOnly.add(normalized(v));
      }
    }
    // Versions the upstream lists without any file stay, as PyPI lists them.
    page.versions()
        .ifPresent(
            vs ->
                vs.forEach(
                    v -> {
                      if (!blockedOnly.contains(normalized(v))
                          && releases.keySet().stream().noneMatch(k -> same(k, v))) {
                        releases.put(v, List.of());
                      }
                    }));
    Optional<String> chosen =
        version.isPresent()
            ? releases.keySet().stream()
                .filter(
                    k ->
                        same(k, version.get())
                            && !java.util.Objects.requireNonNull(releases.get(k)).isEmpty())
                .findFirst()
            : latest(releases);
    if (version.isPresent() && chosen.isEmpty()) {
      return Optional.empty();
    }
    List<FileDecision> urls = chosen.map(releases::get).orElse(List.of());

    ObjectNode root = JSON.createObjectNode();
    root.set("info", info(generated, store, page, project, chosen, urls, base));
    page.meta().entrySet().stream()
        .filter(e -> e.getKey().equals("_last-serial"))
        .findFirst()
        .ifPresent(e -> root.set("last_serial", e.getValue()));
    if (version.isEmpty()) {
      ObjectNode rel = root.putObject("releases");
      sorted(releases.keySet())
          .forEach(
              v -> {
                ArrayNode files = rel.putArray(v);
                java.util.Objects.requireNonNull(releases.get(v))
                    .forEach(d -> files.add(file(d, project, base)));
              });
    }
    ArrayNode u = root.putArray("urls");
    urls.forEach(d -> u.add(file(d, project, base)));
    ArrayNode vulns = root.putArray("vulnerabilities");
    chosen.ifPresent(
        v ->
            advisories.ifPresent(
                a -> {
                  for (Advisory adv : a.sources().affecting(project, v)) {
                    vulns.add(vulnerability(adv, project, v));
                  }
                }));
    return Optional.of(JSON.writeValueAsBytes(root));
  }

  private static ObjectNode info(
      GeneratedMetadata generated,
      FileSystemBlobStore store,
      ProjectPage page,
      ProjectName project,
      Optional<String> version,
      List<FileDecision> files,
      String base) {
    ObjectNode info = JSON.createObjectNode();
    Map<String, List<String>> meta =
        version.isPresent() ? metadata(generated, store, files) : Map.of();
    info.put("name", first(meta, "name").orElse(page.name()));
    info.put("version", version.orElse(null));
    putText(info, "summary", first(meta, "summary"));
    putText(info, "author", first(meta, "author"));
    putText(info, "author_email", first(meta, "author-email"));
    putText(info, "license", first(meta, "license"));
    putText(info, "home_page", first(meta, "home-page"));
    putText(info, "keywords", first(meta, "keywords"));
    putText(info, "description_content_type", first(meta, "description-content-type"));
    Optional<String> requiresPython =
        first(meta, "requires-python")
            .or(
                () ->
                    files.stream()
                        .map(d -> d.file().requiresPython())
                        .flatMap(Optional::stream)
                        .findFirst());
    putText(info, "requires_python", requiresPython);
    if (meta.containsKey("requires-dist")) {
      ArrayNode rd = info.putArray("requires_dist");
      meta.get("requires-dist").forEach(rd::add);
    } else {
      info.putNull("requires_dist");
    }
    ArrayNode classifiers = info.putArray("classifiers");
    meta.getOrDefault("classifier", List.of()).forEach(classifiers::add);
    if (meta.containsKey("project-url")) {
      ObjectNode pu = info.putObject("project_urls");
      for (String entry : meta.get("project-url")) {
        int comma = entry.indexOf(',');
        if (comma > 0) {
          pu.put(entry.substring(0, comma).trim(), entry.substring(comma + 1).trim());
        }
      }
    } else {
      info.putNull("project_urls");
    }
    boolean yanked = !files.isEmpty() && files.stream().allMatch(d -> d.file().yanked().yanked());
    info.put("yanked", yanked);
    putText(
        info, "yanked_reason", yanked ? files.get(0).file().yanked().reason() : Optional.empty());
    info.put("package_url", base + "/pypi/" + project.value() + "/");
    info.put("project_url", base + "/pypi/" + project.value() + "/");
    info.put(
        "release_url",
        version.map(v -> base + "/pypi/" + project.value() + "/" + v + "/").orElse(null));
    return info;
  }

  /** Core metadata of a wheel of the release, when the store holds it (never fetched here). */
  private static Map<String, List<String>> metadata(
      GeneratedMetadata generated, FileSystemBlobStore store, List<FileDecision> files) {
    for (FileDecision d : files) {
      FileEntry f = d.file();
      if (!f.filename().endsWith(".whl") || f.sha256().isEmpty()) {
        continue;
      }
      Optional<String> sha = f.metadataSha256().or(() -> generated.sha256Of(f.sha256().get()));
      Optional<java.nio.file.Path> p = sha.flatMap(Sha256::parse).flatMap(store::find);
      if (p.isPresent()) {
        try {
          return CoreMetadata.fields(Files.readAllBytes(p.get()));
        } catch (IOException e) {
          // evicted meanwhile: info without it
        }
      }
    }
    return Map.of();
  }

  private static ObjectNode file(FileDecision d, ProjectName project, String base) {
    FileEntry f = d.file();
    ObjectNode o = JSON.createObjectNode();
    o.put("filename", f.filename());
    o.put("url", RenderedPages.rewrite(d, project.value(), base).url());
    ObjectNode digests = o.putObject("digests");
    f.hashes().forEach(digests::put);
    putText(o, "md5_digest", Optional.ofNullable(f.hashes().get("md5")));
    boolean wheel = f.filename().endsWith(".whl");
    o.put("packagetype", wheel ? "bdist_wheel" : "sdist");
    o.put("python_version", wheel ? pythonTag(f.filename()) : "source");
    putText(o, "requires_python", f.requiresPython());
    if (f.size().isPresent()) {
      o.put("size", f.size().getAsLong());
    } else {
      o.putNull("size");
    }
    putText(o, "upload_time", f.uploadInstant().map(NAIVE::format));
    putText(o, "upload_time_iso_8601", f.uploadTime());
    o.put("yanked", f.yanked().yanked());
    putText(o, "yanked_reason", f.yanked().reason());
    o.put("has_sig", f.gpgSig().orElse(false));
    o.put("comment_text", "");
    return o;
  }

  private static ObjectNode vulnerability(Advisory a, ProjectName project, String version) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", a.id());
    ArrayNode aliases = o.putArray("aliases");
    a.aliases().forEach(aliases::add);
    o.put("summary", a.summary().isEmpty() ? null : a.summary());
    o.put("details", a.summary().isEmpty() ? null : a.summary());
    ArrayNode fixed = o.putArray("fixed_in");
    Version.tryParse(version)
        .flatMap(v -> a.nearestFixed(project.value(), v))
        .ifPresent(fixed::add);
    o.put("link", "https://osv.dev/vulnerability/" + a.id());
    o.put("source", "osv");
    o.putNull("withdrawn");
    return o;
  }

  /** The newest final release with a file that is not yanked (PyPI's "latest"), else the newest. */
  private static Optional<String> latest(Map<String, List<FileDecision>> releases) {
    Optional<String> best = Optional.empty();
    Optional<String> any = Optional.empty();
    for (var e : releases.entrySet()) {
      Optional<Version> v = Version.tryParse(e.getKey());
      if (v.isEmpty() || e.getValue().isEmpty()) {
        continue;
      }
      if (any.isEmpty() || v.get().compareTo(Version.parse(any.get())) > 0) {
        any = Optional.of(e.getKey());
      }
      boolean live = e.getValue().stream().anyMatch(d -> !d.file().yanked().yanked());
      if (live
          && !v.get().isPrerelease()
          && (best.isEmpty() || v.get().compareTo(Version.parse(best.get())) > 0)) {
        best = Optional.of(e.getKey());
      }
    }
    Optional<String> fallback = any;
    return best.or(() -> fallback);
  }

  private static List<String> sorted(java.util.Set<String> versions) {
    var parsed = new ArrayList<String>(versions);
    parsed.sort(
        (a, b) -> {
          var va = Version.tryParse(a);
          var vb = Version.tryParse(b);
          return va.isPresent() && vb.isPresent() ? va.get().compareTo(vb.get()) : a.compareTo(b);
        });
    return parsed;
  }

  private static String pythonTag(String wheel) {
    String[] parts = wheel.substring(0, wheel.length() - 4).split("-");
    return parts.length >= 5 ? parts[parts.length - 3] : "py3";
  }

  private static boolean same(String a, String b) {
    return RequestHandler.sameVersion(a, b);
  }

  private static String normalized(String v) {
    return Version.tryParse(v).map(Version::toString).orElse(v);
  }

  private static Optional<String> first(Map<String, List<String>> meta, String key) {
    List<String> v = meta.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  private static void putText(ObjectNode o, String key, Optional<String> value) {
    if (value.isPresent()) {
      o.put(key, value.get());
    } else {
      o.putNull(key);
    }
  }

  static DefaultFullHttpResponse response(byte[] body) {
    var r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, RequestHandler.PAGE_CACHE_CONTROL);
    return r;
  }
}
