package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Serves a file's PEP 740 provenance in PyPI's Integrity API shape, fetched once from the URL the
 * upstream page gave and kept beside the artifact.
 */
final class Provenance {
  static final String MEDIA_TYPE = "application/vnd.pypi.integrity.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Provenance() {}

  static void send(Exchange ex, Services s, PageCache pages, FileEntry file) {
    if (file.provenance().isEmpty() || file.sha256().isEmpty()) {
      ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND, "no provenance for " + file.filename()));
      return;
    }
    Path p = SideDocument.path(s, "provenance", file.sha256().get());
    Optional<byte[]> stored = SideDocument.read(p);
    if (stored.isPresent()) {
      respond(ex, stored.get());
      return;
    }
    if (s.config().offline()) {
      ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND,
          "provenance of " + file.filename() + " is not in the cache, and the proxy is offline"));
      return;
    }
    URI url;
    try {
      url = URI.create(file.provenance().get());
    } catch (IllegalArgumentException e) {
      ex.send(Exchange.withPhrase(502, "Bad Gateway", "the upstream gave an invalid provenance URL"));
      return;
    }
    SideDocument.fetch(s, pages, url, MEDIA_TYPE + ", application/json;q=0.5")
        .thenAcceptAsync(f -> {
          if (f.body().isEmpty()) {
            if (f.status() == 404) {
              ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND, "no provenance for " + file.filename()));
            } else {
              ex.send(Exchange.withPhrase(f.status(), f.status() == 504 ? "Gateway Timeout" : "Bad Gateway",
                  "provenance of " + file.filename() + ": " + f.why()));
            }
            return;
          }
          byte[] body = f.body().get();
          try {
            JsonNode doc = JSON.readTree(body);
            if (doc == null || !doc.isObject() || !doc.has("attestation_bundles")) {
              throw new IOException("not an Integrity API provenance object");
            }
            SideDocument.write(p, body);
          } catch (IOException e) {
            ex.send(Exchange.withPhrase(502, "Bad Gateway",
                "the upstream's provenance of " + file.filename() + " is malformed: " + e.getMessage()));
            return;
          }
          respond(ex, body);
        }, s.blocking());
  }

  private static void respond(Exchange ex, byte[] body) {
    var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, MEDIA_TYPE);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=0, must-revalidate");
    ex.send(r);
  }
}
