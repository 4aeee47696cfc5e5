package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.server.policy.VerdictStore;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a file's PEP 740 provenance in PyPI's Integrity API shape, fetched once from the URL the
 * upstream page gave and kept beside the artifact.
 */
final class ProvenanceReplies {
  static final String MEDIA_TYPE = "application/vnd.pypi.integrity.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(ProvenanceReplies.class);
  private static final Duration FETCH_LIMIT = Duration.ofSeconds(30);

  private ProvenanceReplies() {}

  static CompletableFuture<Reply> reply(
      Path cacheDir, boolean offline, Executor blocking, PageCache pages, FileEntry file) {
    if (file.provenance().isEmpty() || file.sha256().isEmpty()) {
      return Reply.notFound("no provenance for " + file.filename()).now();
    }
    Path p = SideDocument.path(cacheDir, "provenance", file.sha256().get());
    Optional<byte[]> stored = SideDocument.read(p);
    if (stored.isPresent()) {
      return respond(stored.get()).now();
    }
    if (offline) {
      return Reply.notFound(
              "provenance of " + file.filename() + " is not in the cache, and the proxy is offline")
          .now();
    }
    URI url;
    try {
      url = URI.create(file.provenance().get());
    } catch (IllegalArgumentException e) {
      return Failures.upstream(502, "the upstream gave an invalid provenance URL").now();
    }
    return SideDocument.fetch(pages, url, MEDIA_TYPE + ", application/json;q=0.5")
        .thenApplyAsync(
            f -> {
              if (f.body().isEmpty()) {
                return f.status() == 404
                    ? Reply.notFound("no provenance for " + file.filename())
                    : Failures.upstream(
                        f.status(), "provenance of " + file.filename() + ": " + f.why());
              }
              byte[] body = f.body().get();
              try {
                JsonNode doc = JSON.readTree(body);
                if (doc == null || !doc.isObject() || !doc.has("attestation_bundles")) {
                  throw new IOException("not an Integrity API provenance object");
                }
                SideDocument.write(p, body);
              } catch (IOException e) {
                return Failures.upstream(
                    502,
                    "the upstream's provenance of "
                        + file.filename()
                        + " is malformed: "
                        + e.getMessage());
              }
              return respond(body);
            },
            blocking);
  }

  /**
   * Before a page of {@code page} is judged: makes sure every file on it with a provenance URL has
   * a verdict, fetching and verifying what is missing, and waits up to {@code wait} for them. A
   * file still without one is judged "not verified yet", and re-judged when it arrives (the
   * verdicts' generation is in the judge's version).
   */
  static CompletableFuture<Void> prefetch(
      Path cacheDir,
      boolean offline,
      Executor blocking,
      VerdictStore verdicts,
      PageCache pages,
      ProjectPage page,
      Duration wait) {
    if (!verdicts.active()) {
      return CompletableFuture.completedFuture(null);
    }
    var pending = new ArrayList<CompletableFuture<Void>>();
    for (FileEntry f : page.files()) {
      if (f.provenance().isEmpty()
          || f.digest().isEmpty()
          || verdicts.verdict(f.digest().get()).isPresent()) {
        continue;
      }
      pending.add(
          verdicts.ensureAsync(
              f.digest().orElseThrow(),
              f.filename(),
              () -> document(cacheDir, offline, blocking, pages, f)));
    }
    if (pending.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    // Composed, never awaited with get(): the caller judges when this completes (issue 13).
    var all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
    return all.handle(
            (ok, failed) -> {
              if (failed != null) {
                LOG.warn("verifying provenance of {} failed", page.name(), failed);
              }
              return (Void) null;
            })
        .completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (ok, failed) -> {
              if (!all.isDone()) {
                LOG.info(
                    "provenance of {} not verified within {}; judged as not verified yet",
                    page.name(),
                    wait);
              }
            });
  }

  /**
   * The stored provenance of {@code file}, or else the upstream's (stored now), as a future: the
   * fetch is composed, never waited for (issue 13). The stored document is read, and the fetched
   * one written, on the blocking pool.
   */
  private static CompletableFuture<Optional<VerdictStore.UpstreamProvenance>> document(
      Path cacheDir, boolean offline, Executor blocking, PageCache pages, FileEntry file) {
    Path p = SideDocument.path(cacheDir, "provenance", file.sha256().orElseThrow());
    return CompletableFuture.supplyAsync(() -> SideDocument.read(p), blocking)
        .thenCompose(
            stored -> {
              if (stored.isPresent()) {
                return CompletableFuture.completedFuture(
                    Optional.<VerdictStore.UpstreamProvenance>of(
                        new VerdictStore.UpstreamProvenance.Document(
                            new String(stored.get(), StandardCharsets.UTF_8))));
              }
              if (offline) {
                return CompletableFuture.completedFuture(
                    Optional.<VerdictStore.UpstreamProvenance>empty());
              }
              URI url;
              try {
                url = URI.create(file.provenance().orElseThrow());
              } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(
                    Optional.<VerdictStore.UpstreamProvenance>of(
                        new VerdictStore.UpstreamProvenance.Missing(
                            "the upstream gave an invalid provenance URL")));
              }
              return SideDocument.fetch(pages, url, MEDIA_TYPE + ", application/json;q=0.5")
                  .orTimeout(FETCH_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
                  .handleAsync(
                      (f, failed) -> {
                        if (failed != null) {
                          LOG.warn("provenance of {}: {}", file.filename(), failed.toString());
                          return Optional.<VerdictStore.UpstreamProvenance>empty();
                        }
                        if (f.body().isEmpty()) {
                          return f.status() == 404
                              ? Optional.<VerdictStore.UpstreamProvenance>of(
                                  new VerdictStore.UpstreamProvenance.Missing(
                                      "the upstream has no provenance at " + url))
                              : Optional.<VerdictStore.UpstreamProvenance>empty();
                        }
                        byte[] body = f.body().get();
                        if (wellFormed(body)) {
                          try {
                            SideDocument.write(p, body);
                          } catch (IOException e) {
                            LOG.warn(
                                "cannot store the provenance of {}: {}",
                                file.filename(),
                                e.toString());
                          }
                        }
                        // A malformed document is verified all the same, so that its verdict says
                        // what is wrong.
                        return Optional.<VerdictStore.UpstreamProvenance>of(
                            new VerdictStore.UpstreamProvenance.Document(
                                new String(body, StandardCharsets.UTF_8)));
                      },
                      blocking);
            });
  }

  private static boolean wellFormed(byte[] body) {
    try {
      JsonNode doc = JSON.readTree(body);
      return doc != null && doc.isObject() && doc.has("attestation_bundles");
    } catch (IOException e) {
      return false;
    }
  }

  private static Reply respond(byte[] body) {
    var r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, MEDIA_TYPE);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=0, must-revalidate");
    return new Reply.Complete(r);
  }
}
