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
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * Judged pages rendered to bytes, cached by everything they depend on: the upstream page's
 * version, the judge's version, the format and the base URL. A cached judged page therefore
 * costs no more to serve than an unjudged one, and a new policy or page is a new key.
 */
public final class RenderedPages {
  /** A page ready to send: identity and gzip bodies and an ETag. */
  record Rendered(byte[] body, byte[] gzip, String etag, JudgedPage judged) {}

  private record Key(String upstream, String project, String pageVersion, String judgeVersion,
      SimpleFormat format, String base) {}

  private final Cache<Key, Rendered> cache =
      Caffeine.newBuilder()
          .maximumWeight(128L * 1024 * 1024)
          .weigher((Key k, Rendered r) -> r.body().length + r.gzip().length + 256)
          .build();

  Rendered project(
      String upstream,
      String project,
      String pageVersion,
      String judgeVersion,
      SimpleFormat format,
      String base,
      java.util.function.Supplier<JudgedPage> judge) {
    var key = new Key(upstream, project, pageVersion, judgeVersion, format, base);
    return cache.get(key, k -> render(k, judge.get()));
  }

  /** The rendered page if it is cached already, without rendering (the fast path, README "Speed"). */
  Optional<Rendered> cached(String upstream, String project, String pageVersion, String judgeVersion,
      SimpleFormat format, String base) {
    return Optional.ofNullable(
        cache.getIfPresent(new Key(upstream, project, pageVersion, judgeVersion, format, base)));
  }

  /** Rendered pages as responses ready to write, for {@link PageReplies}. */
  final PageReplies replies = new PageReplies();

  /** Forgets every rendered page of a project; returns how many there were. */
  int purge(String project) {
    var keys = cache.asMap().keySet().stream().filter(k -> k.project().equals(project)).toList();
    cache.invalidateAll(keys);
    return keys.size();
  }

  Rendered index(String upstream, String pageVersion, String judgeVersion, SimpleFormat format,
      java.util.function.Supplier<ProjectIndex> visible) {
    var key = new Key(upstream, "", pageVersion, judgeVersion, format, "");
    return cache.get(
        key,
        k -> {
          ProjectIndex index = visible.get();
          byte[] body = format.isJson() ? SimpleJson.render(index) : SimpleHtml.render(index);
          return new Rendered(body, gzip(body), etag(k), null);
        });
  }

  private static Rendered render(Key k, JudgedPage judged) {
    String project = k.project();
    var files = new java.util.ArrayList<FileEntry>();
    for (FileDecision d : judged.allowed()) {
      files.add(rewrite(d, project, k.base()));
    }
    ProjectPage served = judged.page().withFiles(files);
    if (k.format().isJson()) {
      Map<String, JsonNode> extra = new LinkedHashMap<>(served.extra());
      extra.put("_pypi-guard", guardKey(judged, k.upstream()));
      served = served.withExtra(extra);
    }
    byte[] body = k.format().isJson() ? SimpleJson.render(served) : SimpleHtml.render(served);
    return new Rendered(body, gzip(body), etag(k), judged);
  }

  /** Points a file's URLs at this proxy. */
  static FileEntry rewrite(FileDecision d, String project, String base) {
    FileEntry f = d.file();
    String fileUrl = base + "/files/" + project + "/" + RequestPath.encode(f.filename());
    Optional<String> provenance =
        f.provenance()
            .map(
                p ->
                    base + "/integrity/" + project + "/"
                        + RequestPath.encode(d.version().isEmpty() ? "0" : d.version()) + "/"
                        + RequestPath.encode(f.filename()) + "/provenance");
    return f.withUrl(fileUrl).withProvenance(provenance);
  }

  /** The private {@code _pypi-guard} key (PEP 691 reserves {@code _} keys): what was removed and why. */
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
    ArrayNode reasons = o.putArray("reasons");
    for (Reason r : d.decision().reasons()) {
      reasons.addObject().put("rule", r.rule()).put("message", r.message());
    }
    return o;
  }

  private static String etag(Key k) {
    String id = String.join("\n", k.upstream(), k.project(), k.pageVersion(), k.judgeVersion(),
        k.format().name(), k.base());
    return "\"" + Sha256.of(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex().substring(0, 32) + "\"";
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
