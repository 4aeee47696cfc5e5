package dev.pypiguard.server.http;

import dev.pypiguard.core.cache.PageLookup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where what went wrong becomes a status code and its one-line body (the idea of
 * Armeria's {@code ServerErrorHandler}): an unexpected exception, a full executor, a page the
 * upstream lacks or cannot give, an upstream's answer about a side document, and every download
 * outcome other than a file to send. Clients never see a stack trace; the log has it.
 */
final class Failures {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);

  private Failures() {}

  /**
   * A failed handler: a full blocking executor answers 503 (try again), anything else is a bug or
   * broken I/O, logged with its stack trace and answered 500.
   */
  static Reply.Complete unexpected(Exchange ex, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof RejectedExecutionException) {
      return (Reply.Complete)
          Reply.withPhrase(503, "Service Unavailable", "the server is too busy; try again");
    }
    LOG.error("failed to serve {} {}", ex.method, AccessLog.clean(ex.uri), cause);
    return (Reply.Complete) Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
  }

  /** The exception a stage of a future failed with, without the wrappers futures add. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * A page lookup that found no page: 404 when the upstream has none, 502 or 504 when it failed. A
   * page that was found is not a failure; handing one here is a bug (500), never silence.
   */
  static Reply lookup(PageLookup<?> lookup) {
    if (lookup instanceof PageLookup.Missing<?> m) {
      return Reply.notFound(m.why());
    }
    if (lookup instanceof PageLookup.Unavailable<?> u) {
      return upstream(u.timedOut() ? 504 : 502, u.why());
    }
    throw new IllegalStateException(
        "a found page is not a failure: " + lookup.getClass().getSimpleName());
  }

  /** 502 or 504 (the upstream timed out) with {@code why} in the body. */
  static Reply upstream(int status, String why) {
    return Reply.withPhrase(status, status == 504 ? "Gateway Timeout" : "Bad Gateway", why);
  }

  /** An upstream's status for a side document (404, 502, 504) with the standard phrase. */
  static Reply status(int status, String why) {
    return Reply.withPhrase(
        status,
        status == 404 ? "Not Found" : status == 504 ? "Gateway Timeout" : "Bad Gateway",
        why);
  }

  /** The answer for a download outcome that is not a file to send. */
  static Reply download(DownloadOutcome outcome) {
    if (outcome instanceof DownloadOutcome.NotCached n) {
      return Reply.notFound(n.filename() + " " + n.why());
    }
    if (outcome instanceof DownloadOutcome.IntegrityFailure i) {
      return Reply.withPhrase(
          502,
          "Bad Gateway: upstream bytes do not match their hash",
          "refused " + i.filename() + " from the upstream: " + i.why());
    }
    if (outcome instanceof DownloadOutcome.UpstreamFailure u) {
      return upstream(u.timedOut() ? 504 : 502, "fetching " + u.filename() + ": " + u.why());
    }
    if (outcome instanceof DownloadOutcome.Blocked b) {
      // README "Blocks a pip user can understand": pip prints the reason phrase.
      return Reply.withPhrase(
          403, "Blocked by policy: " + b.notice(), "403 Blocked by policy: " + b.notice());
    }
    if (outcome instanceof DownloadOutcome.Held h) {
      // README §Fail closed: an answer is still awaited (provenance, advisories). Never served
      // on a guess; pip retries a 503, and the page leaves the file out meanwhile.
      var held =
          Exchange.withPhrase(
              503,
              "Held by policy: " + h.summary(),
              "503 Held by policy until an awaited answer arrives: " + h.summary());
      held.headers()
          .set(
              io.netty.handler.codec.http.HttpHeaderNames.RETRY_AFTER,
              RequestHandler.HELD_RETRY_AFTER_SECONDS);
      return new Reply.Complete(held);
    }
    if (outcome instanceof DownloadOutcome.InspectionFailed f) {
      return upstream(502, "cannot inspect " + f.filename() + ": " + f.why());
    }
    if (outcome instanceof DownloadOutcome.Vanished) {
      return upstream(502, "the download vanished");
    }
    throw new IllegalStateException("a stored file is not a failure: " + outcome);
  }
}
