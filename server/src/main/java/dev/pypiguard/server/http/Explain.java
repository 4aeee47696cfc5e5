package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.server.policy.InspectionStore;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@code GET /-/explain/<project>}: every upstream file of a project with its decision and the
 * reasons, judged exactly as pages and downloads are.
 */
final class Explain {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A project's page from the upstream that serves it, once what its judgement waits for is in. */
  @FunctionalInterface
  interface AnsweredPages {
    CompletableFuture<UpstreamRouter.Resolved> answered(ProjectName name);
  }

  private final AnsweredPages pages;
  private final Supplier<PageJudge> judge;
  private final InspectionStore inspections;
  private final Executor blocking;

  Explain(
      AnsweredPages pages,
      Supplier<PageJudge> judge,
      InspectionStore inspections,
      Executor blocking) {
    this.pages = pages;
    this.judge = judge;
    this.inspections = inspections;
    this.blocking = blocking;
  }

  CompletableFuture<Reply> reply(ProjectName name) {
    // The same waits as a page and a download, composed: the decision shown is the one served.
    return pages
        .answered(name)
        .thenApplyAsync(
            r -> {
              if (!(r.lookup() instanceof PageLookup.Found<ProjectPage> found)) {
                return Failures.lookup(r.lookup());
              }
              PageJudge now = judge.get();
              String upstream = r.pages().upstream().name();
              JudgedPage judged = now.judge(upstream, found.page().value());
              ObjectNode body =
                  inspections.active()
                      ? explain(name, upstream, now, judged, inspections)
                      : explain(name, upstream, now, judged);
              body.put("stale", found.stale());
              byte[] bytes;
              try {
                bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
              } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
              }
              var resp =
                  new DefaultFullHttpResponse(
                      HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
              resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
              resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
              return (Reply) new Reply.Complete(resp);
            },
            blocking);
  }

  /** The explanation document; {@code pypi-guard check} prints the same decisions. */
  static ObjectNode explain(ProjectName name, String upstream, PageJudge judge, JudgedPage judged) {
    return explain(name, upstream, judge, judged, dev.pypiguard.policy.rule.Inspections.none());
  }

  /**
   * The explanation document, with each file's {@code inspection}: {@code pending} until the file
   * is stored and inspected, then its kind and findings (README "Artifact inspection").
   */
  static ObjectNode explain(
      ProjectName name,
      String upstream,
      PageJudge judge,
      JudgedPage judged,
      dev.pypiguard.policy.rule.Inspections inspections) {
    ObjectNode o = JSON.createObjectNode();
    o.put("project", name.value());
    o.put("upstream", upstream);
    o.put("policy-version", judge.version());
    judge
        .projectBlocked(name)
        .ifPresent(
            r -> o.putObject("project-blocked").put("rule", r.rule()).put("message", r.message()));
    ArrayNode files = o.putArray("files");
    for (FileDecision d : judged.files()) {
      ObjectNode f = files.addObject();
      f.put("filename", d.file().filename());
      f.put("version", d.version());
      f.put("decision", d.decision().label());
      RenderedPages.putReasons(f, d);
      var inspected = d.file().digest().flatMap(inspections::inspection);
      if (inspected.isPresent()) {
        ObjectNode i =
            f.putObject("inspection")
                .put("state", "inspected")
                .put("kind", inspected.get().kind().spelling());
        ArrayNode found = i.putArray("findings");
        for (var x : inspected.get().findings()) {
          found
              .addObject()
              .put("rule", x.rule())
              .put("severity", x.severity().spelling())
              .put("path", x.path())
              .put("message", x.message());
        }
      } else if (inspections != dev.pypiguard.policy.rule.Inspections.none()) {
        f.putObject("inspection").put("state", "pending");
      }
    }
    return o;
  }
}
