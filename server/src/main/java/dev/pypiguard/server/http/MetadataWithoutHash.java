package dev.pypiguard.server.http;

import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.simple.FileEntry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Core metadata that the upstream advertised as {@code true} without a hash (PEP 658 allows it).
 * Nothing can verify it, so it is kept beside the artifact, keyed by the artifact's sha256, and
 * served as the upstream gave it.
 */
final class MetadataWithoutHash {
  private MetadataWithoutHash() {}

  static void send(Exchange ex, Services s, PageCache pages, FileEntry file,
      java.util.function.Consumer<FileEntry> fromWheel) {
    if (file.sha256().isEmpty()) {
      ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND, "no metadata for " + file.filename()));
      return;
    }
    Path p = SideDocument.path(s, "metadata", file.sha256().get());
    Optional<byte[]> stored = SideDocument.read(p);
    if (stored.isPresent()) {
      s.metrics().artifact("metadata", "hit");
      respond(ex, stored.get());
      return;
    }
    if (s.config().offline()) {
      ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND,
          file.filename() + ".metadata is not in the cache, and the proxy is offline"));
      return;
    }
    s.metrics().artifact("metadata", "miss");
    SideDocument.fetch(s, pages, URI.create(file.url() + ".metadata"), "*/*")
        .thenAcceptAsync(f -> {
          if (f.body().isEmpty() && f.status() == 404 && file.filename().endsWith(".whl")) {
            fromWheel.accept(file); // advertised, then 404: the wheel's own METADATA
            return;
          }
          if (f.body().isEmpty()) {
            ex.send(Exchange.withPhrase(f.status() == 404 ? 502 : f.status(),
                f.status() == 504 ? "Gateway Timeout" : "Bad Gateway",
                "metadata of " + file.filename() + ": " + f.why()));
            return;
          }
          try {
            SideDocument.write(p, f.body().get());
          } catch (IOException e) {
            // Serving what we have beats failing: the next request fetches again.
          }
          respond(ex, f.body().get());
        }, s.blocking())
        .exceptionally(ex::internalError);
  }

  private static void respond(Exchange ex, byte[] body) {
    var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    ex.send(r);
  }
}
