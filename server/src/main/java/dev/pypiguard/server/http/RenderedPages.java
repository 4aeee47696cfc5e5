package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Judged pages rendered to bytes, cached by everything they depend on: the upstream page's version,
 * the judge's version, the format and the base URL. A cached judged page therefore costs no more to
 * serve than an unjudged one, and a new policy or page is a new key. What time alone changes (a
 * cooldown that ends, an exception that expires) the judgement says itself ({@link
 * JudgedPage#nextChange}): a rendering is kept until that instant and rendered again at it, not
 * before (README "Speed").
 */
public final class RenderedPages {
  /**
   * A page ready to send: identity and gzip bodies and an ETag, until {@code expires} (epoch
   * milliseconds; {@link Long#MAX_VALUE} when time alone never changes it).
   */
  record Rendered(
      byte[] body, byte[] gzip, String etag, @Nullable JudgedPage judged, long expires) {
    /** The gzip body's own strong ETag (RFC 9110 §8.8.3: one per representation). */
    String gzipEtag() {
      return etag.substring(0, etag.length() - 1) + "-gzip\"";
    }
  }

  private record Key(
      String upstream,
      String project,
      String pageVersion,
      String judgeVersion,
      SimpleFormat format,
      String base,
      long metadataGeneration) {}

  private final java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored;
  private final GeneratedMetadata metadata;
  private final java.time.Clock clock;

  /**
   * Pages whose files lack a size take it from {@code stored}, where the file is kept; wheels
   * without upstream metadata are advertised with what {@code metadata} generates.
   */
  public RenderedPages(
      java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored,
      GeneratedMetadata metadata) {
    this(stored, metadata, java.time.Clock.systemUTC());
  }

  /** As above, with the clock that says when a rendering's judgement has changed with time. */
  RenderedPages(
      java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored,
      GeneratedMetadata metadata,
      java.time.Clock clock) {
    this(stored, metadata, clock, null);
  }

  /**
   * As above, keeping large rendered bodies in unlinked files under {@code bodies} so that hits go
   * out by sendfile ({@code null}: in memory, as over TLS, where bytes are encrypted anyway).
   */
  public RenderedPages(
      java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored,
      GeneratedMetadata metadata,
      java.time.Clock clock,
      java.nio.file.@org.jspecify.annotations.Nullable Path bodies) {
    this.stored = stored;
    this.metadata = metadata;
    this.clock = clock;
    this.replies = new PageReplies(bodies);
  }

  RenderedPages() {
    this(sha -> Optional.empty(), GeneratedMetadata.none());
  }

  /** Core metadata made from wheels (README "Core metadata for every wheel"). */
  public GeneratedMetadata metadata() {
    return metadata;
  }

  private final Cache<Key, Rendered> cache =
      Caffeine.newBuilder()
          .executor(Runnable::run) // upkeep where the hit is: no hand-off to another thread
          // An eighth of the heap, at most 128 MB: the launcher's default heap is 256 MB
          // (README "Speed"); each page is also kept once more in direct memory while served.
          .maximumWeight(Math.min(128L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 8))
          .weigher((Key k, Rendered r) -> r.body().length + r.gzip().length + 256)
          .build();

  Rendered project(
      String upstream,
      String project,
      String pageVersion,
      String judgeVersion,
      SimpleFormat format,
      String base,
      Policy.BlockedFiles blocked,
      java.util.function.Supplier<JudgedPage> judge) {
    var key =
        new Key(
            upstream,
            project,
            pageVersion,
            judgeVersion,
            format,
            base,
            metadata.generation(project));
    return current(key, k -> render(k, judge.get(), stored, metadata, blocked));
  }

  /**
   * The cached rendering of {@code key} while its judgement holds, else a new one: one per key
   * however many requests ask at once when the old one lapses.
   */
  private Rendered current(Key key, java.util.function.Function<Key, Rendered> render) {
    Rendered r = cache.getIfPresent(key);
    if (r != null && r.expires() > clock.millis()) {
      return r;
    }
    return cache
        .asMap()
        .compute(
            key, (k, old) -> old != null && old.expires() > clock.millis() ? old : render.apply(k));
  }

  /**
   * The rendered page if it is cached already and its judgement still holds, without rendering (the
   * fast path, README "Speed"): empty at the instant a cooldown ends, so that the ordinary path
   * renders the page again then.
   */
  Optional<Rendered> cached(
      String upstream,
      String project,
      String pageVersion,
      String judgeVersion,
      SimpleFormat format,
      String base) {
    Rendered r =
        cache.getIfPresent(
            new Key(
                upstream,
                project,
                pageVersion,
                judgeVersion,
                format,
                base,
                metadata.generation(project)));
    return r == null || r.expires() <= clock.millis() ? Optional.empty() : Optional.of(r);
  }

  /** Rendered pages as responses ready to write, for {@link PageReplies}. */
  final PageReplies replies;

  /** Forgets every rendered page of a project; returns how many there were. */
  int purge(String project) {
    var keys = cache.asMap().keySet().stream().filter(k -> k.project().equals(project)).toList();
    cache.invalidateAll(keys);
    return keys.size();
  }

  /**
   * The project list, rendered; {@code changes} says when the judge's hiding of projects changes
   * with time ({@link dev.pypiguard.policy.PageJudge#nextChange}).
   */
  Rendered index(
      String upstream,
      String pageVersion,
      String judgeVersion,
      SimpleFormat format,
      java.util.function.Supplier<ProjectIndex> visible,
      java.util.function.Supplier<Optional<java.time.Instant>> changes) {
    var key = new Key(upstream, "", pageVersion, judgeVersion, format, "", 0);
    return current(
        key,
        k -> {
          long expires = expiry(changes.get());
          ProjectIndex index = visible.get();
          byte[] body = format.isJson() ? SimpleJson.render(index) : SimpleHtml.render(index);
          return new Rendered(body, gzip(body), etag(k, expires), null, expires);
        });
  }

  private static long expiry(Optional<java.time.Instant> change) {
    return change.map(java.time.Instant::toEpochMilli).orElse(Long.MAX_VALUE);
  }

  private static Rendered render(
      Key k,
      JudgedPage judged,
      java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored,
      GeneratedMetadata metadata,
      Policy.BlockedFiles blocked) {
    String project = k.project();
    var files = new java.util.ArrayList<FileEntry>();
    for (FileDecision d : judged.files()) {
      if (d.decision().allowed()) {
        files.add(
            withGeneratedMetadata(withStoredSize(rewrite(d, project, k.base()), stored), metadata));
      } else if (blocked == Policy.BlockedFiles.YANK
          && d.decision() instanceof Decision.Block b
          && BlockNotice.showable(b)) {
        // files.blocked: yank: on the page, as yanked with the reason pip prints; fetching it
        // still answers 403 with the same words.
        files.add(
            rewrite(d, project, k.base())
                .withYanked(
                    Yanked.because(
                        "blocked by pypi-guard: " + BlockNotice.text(b, k.base(), project))));
      }
    }
    ProjectPage served = judged.page().withFiles(files).withVersions(Optional.of(versions(judged)));
    if (k.format().isJson()) {
      Map<String, JsonNode> extra = new LinkedHashMap<>(served.extra());
      extra.put("_pypi-guard", guardKey(judged, k.upstream()));
      served = served.withExtra(extra);
    }
    byte[] body = k.format().isJson() ? SimpleJson.render(served) : SimpleHtml.render(served);
    long expires = expiry(judged.nextChange());
    return new Rendered(body, gzip(body), etag(k, expires), judged, expires);
  }

  /**
   * PEP 700 {@code versions} as served: the upstream's list without the versions whose every file
   * policy hid (so that update bots do not propose them; a version the upstream lists without files
   * stays), or, when the upstream gave none (HTML), the versions of the files served, in PEP 440
   * order.
   */
  static List<String> versions(JudgedPage judged) {
    var offered = new java.util.HashSet<String>();
    var hidden = new java.util.HashSet<String>();
    for (FileDecision d : judged.files()) {
      String v = normalized(d.version());
      if (!v.isEmpty()) {
        (d.decision().allowed() ? offered : hidden).add(v);
      }
    }
    hidden.removeAll(offered);
    Optional<List<String>> upstream = judged.page().versions();
    if (upstream.isPresent()) {
      return upstream.get().stream().filter(v -> !hidden.contains(normalized(v))).toList();
    }
    var out = new java.util.TreeMap<Version, String>();
    var unparsed = new java.util.LinkedHashSet<String>();
    for (FileDecision d : judged.allowed()) {
      if (!d.version().isEmpty()) {
        Version.tryParse(d.version())
            .ifPresentOrElse(v -> out.putIfAbsent(v, d.version()), () -> unparsed.add(d.version()));
      }
    }
    var list = new java.util.ArrayList<>(out.values());
    list.addAll(unparsed);
    return list;
  }

  private static String normalized(String version) {
    return Version.tryParse(version).map(Version::toString).orElse(version);
  }

  /**
   * A wheel without upstream metadata is advertised with the metadata read from it (PEP 658/714
   * with its sha256 once known; {@code true}, "it exists", until the first request reads it).
   */
  private static FileEntry withGeneratedMetadata(FileEntry f, GeneratedMetadata metadata) {
    if (!GeneratedMetadata.applies(f)) {
      return f;
    }
    return f.withCoreMetadata(
        Optional.of(
            metadata
                .sha256Of(f.sha256().orElseThrow())
                .map(sha -> new dev.pypiguard.core.simple.MetadataRef(Map.of("sha256", sha)))
                .orElseGet(dev.pypiguard.core.simple.MetadataRef::withoutHashes)));
  }

  /** PEP 700 {@code size}, from the stored file when the upstream did not say (HTML, mirrors). */
  private static FileEntry withStoredSize(
      FileEntry f, java.util.function.Function<Sha256, Optional<java.nio.file.Path>> stored) {
    if (f.size().isPresent()) {
      return f;
    }
    Optional<java.nio.file.Path> path = f.digest().flatMap(stored);
    if (path.isEmpty()) {
      return f;
    }
    try {
      return f.withSize(java.util.OptionalLong.of(java.nio.file.Files.size(path.get())));
    } catch (IOException e) {
      return f; // evicted meanwhile: the size stays unknown
    }
  }

  /** Points a file's URLs at this proxy. */
  static FileEntry rewrite(FileDecision d, String project, String base) {
    FileEntry f = d.file();
    String fileUrl = base + "/files/" + project + "/" + RequestPath.encode(f.filename());
    Optional<String> provenance =
        f.provenance()
            .map(
                p ->
                    base
                        + "/integrity/"
                        + project
                        + "/"
                        + RequestPath.encode(d.version().isEmpty() ? "0" : d.version())
                        + "/"
                        + RequestPath.encode(f.filename())
                        + "/provenance");
    return f.withUrl(fileUrl).withProvenance(provenance);
  }

  /**
   * The private {@code _pypi-guard} key (PEP 691 reserves {@code _} keys): what was removed and
   * why.
   */
  private static ObjectNode guardKey(JudgedPage judged, String upstream) {
    var nf = JsonNodeFactory.instance;
    ObjectNode guard = nf.objectNode();
    guard.put("upstream", upstream);
    ArrayNode removed = guard.putArray("removed");
    for (FileDecision d : judged.blocked()) {
      removed.add(fileNode(d));
    }
    ArrayNode audit = nf.arrayNode();
    for (FileDecision d : judged.allowed()) {
      if (!d.decision().reasons().isEmpty()) {
        audit.add(fileNode(d));
      }
    }
    if (!audit.isEmpty()) {
      guard.set("audit", audit);
    }
    return guard;
  }

  private static ObjectNode fileNode(FileDecision d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("filename", d.file().filename());
    o.put("version", d.version());
    if (!d.decision().allowed()) {
      o.put("decision", d.decision().label());
    }
    putReasons(o, d);
    return o;
  }

  /**
   * A decision's reasons as {@code reasons: [{rule, message, pending?}]}, as explain shows them.
   */
  static void putReasons(ObjectNode o, FileDecision d) {
    ArrayNode reasons = o.putArray("reasons");
    for (Reason r : d.decision().reasons()) {
      ObjectNode n = reasons.addObject().put("rule", r.rule()).put("message", r.message());
      if (r.pending()) {
        n.put("pending", true);
      }
    }
  }

  /**
   * Names the key and the instant the judgement lapses: a rendering again at that instant is a new
   * ETag, and renderings of one judgement (on another replica, after an eviction) share one.
   */
  private static String etag(Key k, long expires) {
    String id =
        String.join(
            "\n",
            k.upstream(),
            k.project(),
            k.pageVersion(),
            k.judgeVersion(),
            k.format().name(),
            k.base(),
            Long.toString(k.metadataGeneration()),
            Long.toString(expires));
    return "\""
        + Sha256.of(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex().substring(0, 32)
        + "\"";
  }

  static byte[] gzip(byte[] body) {
    var out = new ByteArrayOutputStream(body.length / 4 + 64);
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
