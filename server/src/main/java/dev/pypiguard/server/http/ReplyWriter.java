package dev.pypiguard.server.http;

import java.util.concurrent.CompletableFuture;

/**
 * The one place that puts a handler's reply on the channel: when the future completes, a failure
 * becomes its reply ({@link Failures}), then the reply is written by its kind. Replies leave in
 * request order: {@link InOrderResponses} passes a connection's next request on only once the reply
 * to the one before it is written (reactor-netty's {@code HttpTrafficHandler} holds pipelined
 * requests back the same way), so a later reply can never overtake an earlier one.
 */
final class ReplyWriter {
  private ReplyWriter() {}

  /** Writes {@code reply} for {@code ex} once it completes, whatever thread completes it. */
  static void write(Exchange ex, FileSender files, CompletableFuture<Reply> reply) {
    if (reply == Reply.WRITTEN_NOW) {
      return; // the cached-page fast path: nothing to wait for, nothing to allocate
    }
    reply.whenComplete(
        (r, failure) -> {
          if (failure != null) {
            write(ex, files, Failures.unexpected(ex, failure));
          } else if (r == null) {
            write(
                ex,
                files,
                Failures.unexpected(ex, new IllegalStateException("a handler answered nothing")));
          } else {
            write(ex, files, r);
          }
        });
  }

  /** Writes a reply that is at hand, by its kind. */
  static void write(Exchange ex, FileSender files, Reply reply) {
    try {
      if (reply instanceof Reply.Complete c) {
        ex.send(c.response());
      } else if (reply instanceof Reply.HeadersOnly h) {
        ex.onLoop(
            () -> {
              ex.prepare(h.response());
              ex.finish(ex.ctx.writeAndFlush(h.response()));
            });
      } else if (reply instanceof Reply.StoredFile f) {
        files.sendStored(ex, f.file(), f.meta());
      } else if (reply instanceof Reply.Streaming d) {
        files.sendDownload(
            ex,
            d.download(),
            d.meta(),
            d.streamAfter(),
            () -> write(ex, files, next(d.whenStored()::get)),
            e -> write(ex, files, next(() -> d.whenFailed().apply(e))));
      } else if (!(reply instanceof Reply.Written)) {
        throw new IllegalStateException("unknown reply " + reply);
      }
    } catch (RuntimeException e) {
      // A reply that cannot even be started (a full executor): its failure is the answer.
      ex.send(Failures.unexpected(ex, e).response());
    }
  }

  /**
   * What follows a download; a continuation that throws at once is a failed future, mapped like any
   * other.
   */
  private static CompletableFuture<Reply> next(
      java.util.function.Supplier<CompletableFuture<Reply>> then) {
    try {
      return then.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
