package dev.pypiguard.server.http;

import dev.pypiguard.core.cache.Download;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a handler answers, as a value: handlers return {@code CompletableFuture<Reply>} and {@link
 * ReplyWriter} alone puts replies on the channel (the idea of Armeria's {@code HttpService}
 * returning a response instead of writing one). Failures are not replies: a failed future is mapped
 * to one by {@link Failures}.
 */
sealed interface Reply {
  /** A complete response: status, headers and body bytes (text, JSON, a page, a redirect). */
  record Complete(FullHttpResponse response) implements Reply {}

  /**
   * The headers of a representation that is not at hand (a HEAD of a file not fetched yet): written
   * as they are, with the {@code Content-Length} they carry or none.
   */
  record HeadersOnly(FullHttpResponse response) implements Reply {}

  /**
   * A stored file, sent zero-copy with ETag, 304 and byte ranges ({@link FileSender#sendStored}).
   */
  record StoredFile(Path file, FileSender.Meta meta) implements Reply {}

  /**
   * A download in progress, streamed as it grows once {@code streamAfter} bytes arrived ({@link
   * FileSender#sendDownload}); what follows its completion or its failure before the first byte is
   * another reply.
   */
  record Streaming(
      Download download,
      FileSender.Meta meta,
      long streamAfter,
      Supplier<CompletableFuture<Reply>> whenStored,
      Function<Throwable, CompletableFuture<Reply>> whenFailed)
      implements Reply {}

  /**
   * Already written on the event loop by the cached-page fast path ({@link PageReplies}), which
   * must not pay for a future and a hop (README "Speed").
   */
  record Written() implements Reply {}

  Reply WRITTEN = new Written();

  /** {@link #WRITTEN} as a future, made once: the fast path allocates nothing for it. */
  CompletableFuture<Reply> WRITTEN_NOW = CompletableFuture.completedFuture(WRITTEN);

  /** A one-line plain-text answer. */
  static Reply text(HttpResponseStatus status, String body) {
    return new Complete(Exchange.text(status, body));
  }

  /** A one-line answer whose reason phrase carries the message too, as pip shows the phrase. */
  static Reply withPhrase(int code, String phrase, String body) {
    return new Complete(Exchange.withPhrase(code, phrase, body));
  }

  /** 404 with its reason. */
  static Reply notFound(String why) {
    return text(HttpResponseStatus.NOT_FOUND, why);
  }

  /** 301 to {@code location}. */
  static Reply redirect(String location) {
    var r = Exchange.text(HttpResponseStatus.MOVED_PERMANENTLY, "moved to " + location);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    return new Complete(r);
  }

  /** As a completed future, for handlers that know their answer at once. */
  default CompletableFuture<Reply> now() {
    return CompletableFuture.completedFuture(this);
  }
}
