package dev.pypiguard.server.http;

import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.server.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Core metadata that the upstream advertised as {@code true} without a hash (PEP 658 allows it).
 * Nothing can verify it, so it is kept beside the artifact, keyed by the artifact's sha256, and
 * served as the upstream gave it.
 */
final class MetadataWithoutHash {
  private MetadataWithoutHash() {}

  static CompletableFuture<Reply> reply(
      Path cacheDir,
      boolean offline,
      ProxyMetrics metrics,
      Executor blocking,
      PageCache pages,
      FileEntry file,
      Function<FileEntry, CompletableFuture<Reply>> fromWheel) {
    if (file.sha256().isEmpty()) {
      return Reply.notFound("no metadata for " + file.filename()).now();
    }
    Path p = SideDocument.path(cacheDir, "metadata", file.sha256().get());
    Optional<byte[]> stored = SideDocument.read(p);
    if (stored.isPresent()) {
      metrics.artifact("metadata", "hit");
      return respond(stored.get()).now();
    }
    if (offline) {
      return Reply.notFound(
              file.filename() + ".metadata is not in the cache, and the proxy is offline")
          .now();
    }
    metrics.artifact("metadata", "miss");
    return SideDocument.fetch(pages, URI.create(file.url() + ".metadata"), "*/*")
        .thenComposeAsync(
            f -> {
              if (f.body().isEmpty() && f.status() == 404 && file.filename().endsWith(".whl")) {
                return fromWheel.apply(file); // advertised, then 404: the wheel's own METADATA
              }
              if (f.body().isEmpty()) {
                return Failures.upstream(
                        f.status() == 404 ? 502 : f.status(),
                        "metadata of " + file.filename() + ": " + f.why())
                    .now();
              }
              try {
                SideDocument.write(p, f.body().get());
              } catch (IOException e) {
                // Serving what we have beats failing: the next request fetches again.
              }
              return respond(f.body().get()).now();
            },
            blocking);
  }

  private static Reply respond(byte[] body) {
    var r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return new Reply.Complete(r);
  }
}
