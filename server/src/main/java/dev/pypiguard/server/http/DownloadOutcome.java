package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.IntegrityException;
import dev.pypiguard.core.cache.Download;
import java.nio.file.Path;

/**
 * How serving a file ends, as a value instead of exceptions and booleans: stored and ready to send,
 * or one of the reasons it is not ({@link Failures#download} answers those).
 */
sealed interface DownloadOutcome {
  /** In the store at {@code file}: sent. */
  record Stored(Path file) implements DownloadOutcome {}

  /**
   * Refused by policy; {@code notice} is what pip shows (README "Blocks a pip user can
   * understand").
   */
  record Blocked(String notice) implements DownloadOutcome {}

  /** Held by policy until an awaited answer arrives (README §Fail closed). */
  record Held(String summary) implements DownloadOutcome {}

  /** The upstream's bytes do not match the hash its page gave. */
  record IntegrityFailure(String filename, String why) implements DownloadOutcome {}

  /** The upstream failed, refused or has no such file; {@code notFound} when it answered 404. */
  record UpstreamFailure(String filename, String why, boolean timedOut, boolean notFound)
      implements DownloadOutcome {}

  /** Not in the cache, and nothing may fetch it. */
  record NotCached(String filename, String why) implements DownloadOutcome {}

  /** A stored file could not be inspected; not served now (tried again next time). */
  record InspectionFailed(String filename, String why) implements DownloadOutcome {}

  /** The download completed, and its file was gone before it could be sent (evicted, purged). */
  record Vanished() implements DownloadOutcome {}

  /**
   * What a failed download of {@code filename} means, read once from the exception it ended with.
   */
  static DownloadOutcome failed(String filename, Throwable e) {
    Throwable cause = Failures.unwrap(e);
    if (cause instanceof Download.NotCached) {
      return new NotCached(filename, String.valueOf(cause.getMessage()));
    }
    if (cause instanceof IntegrityException) {
      return new IntegrityFailure(filename, String.valueOf(cause.getMessage()));
    }
    if (cause instanceof Download.DownloadFailure f) {
      return new UpstreamFailure(
          filename, String.valueOf(f.getMessage()), f.timedOut(), f.notFound());
    }
    return new UpstreamFailure(filename, String.valueOf(cause.getMessage()), false, false);
  }
}
