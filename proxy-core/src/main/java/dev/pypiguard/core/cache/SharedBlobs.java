package dev.pypiguard.core.cache;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.core.upstream.DownloadSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The artifacts every replica shares, in an {@link ObjectStore} under {@code
 * blobs/sha256/ab/cd/<sha256>} (the local tier's layout, so that an existing cache directory can be
 * copied into a bucket as it is): looked up before the upstream, and kept there once verified.
 *
 * <p>An object is only ever written from a local file already verified against its sha256, and read
 * back through the same verifying {@link Download} as an upstream body, so a corrupt object is
 * never served. The same content always goes to the same key, so replicas racing to keep one file
 * both end with the one correct object.
 */
public final class SharedBlobs {
  private static final Logger LOG = LoggerFactory.getLogger(SharedBlobs.class);
  private static final int CHUNK = 256 * 1024;

  /**
   * Objects up to this size are read and verified whole before the download sees a byte, so a
   * corrupt one is simply missing and the upstream answers instead, unnoticed by the client. Larger
   * ones stream, verified on the way (the last byte is held back), and a corrupt one fails its
   * request. Memory: at most one such buffer per thread of the store's pool.
   */
  static final int VERIFY_FIRST = 1024 * 1024;

  /** Blobs to upload once the store answers again; beyond this many, the oldest outage wins. */
  static final int BACKLOG_MAX = 100_000;

  private final ObjectStore store;
  private final Executor io;
  private final Map<Sha256, Path> backlog = new ConcurrentHashMap<>();

  /**
   * {@code io} runs the store's blocking calls; a read holds one of its threads while it streams.
   */
  public SharedBlobs(ObjectStore store, Executor io) {
    this.store = store;
    this.io = io;
  }

  /** The object key of a blob. */
  public static String key(Sha256 sha) {
    String h = sha.hex();
    return "blobs/sha256/" + h.substring(0, 2) + "/" + h.substring(2, 4) + "/" + h;
  }

  /**
   * Streams the stored blob into {@code sink}. Completes with true when the store had it (the sink
   * then heard the whole story, success or failure), false when the store has no such object or
   * could not be read before the first byte: the caller then asks the upstream.
   */
  CompletableFuture<Boolean> fill(Sha256 sha, DownloadSink sink) {
    if (!store.reachable()) {
      // A store known to be down would only add its timeout to every cold fetch.
      return CompletableFuture.completedFuture(false);
    }
    try {
      return CompletableFuture.supplyAsync(() -> copy(sha, sink), io);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  private boolean copy(Sha256 sha, DownloadSink sink) {
    Optional<ObjectStore.Body> found;
    try {
      found = store.open(key(sha));
    } catch (IOException e) {
      LOG.warn("shared store: cannot read {}: {}", key(sha), e.getMessage());
      return false;
    }
    if (found.isEmpty()) {
      return false;
    }
    try (ObjectStore.Body body = found.get()) {
      if (body.length() <= VERIFY_FIRST) {
        return copySmall(sha, body, sink);
      }
      if (!started(sha, sink, body.length())) {
        return false;
      }
      byte[] buf = new byte[CHUNK];
      int n;
      while ((n = body.stream().read(buf)) >= 0) {
        if (n > 0) {
          sink.data(ByteBuffer.wrap(buf, 0, n));
        }
      }
      sink.end();
    } catch (IOException e) {
      LOG.warn("shared store: reading {} failed midway: {}", key(sha), e.getMessage());
      sink.failed("shared store: reading " + key(sha) + ": " + e.getMessage(), false, false);
    }
    return true;
  }

  /**
   * Starts the sink; false (nothing given to it) when the object's size is not the declared one.
   */
  private static boolean started(Sha256 sha, DownloadSink sink, long length) {
    try {
      sink.start(OptionalLong.of(length));
      return true;
    } catch (IOException e) {
      LOG.warn("shared store: {} has the wrong size, ignoring it: {}", key(sha), e.getMessage());
      return false;
    }
  }

  /** Reads and verifies a small object whole; false (nothing given to the sink) when it fails. */
  private boolean copySmall(Sha256 sha, ObjectStore.Body body, DownloadSink sink)
      throws IOException {
    byte[] bytes;
    try {
      bytes = body.stream().readNBytes(VERIFY_FIRST + 1);
    } catch (IOException e) {
      LOG.warn("shared store: cannot read {}: {}", key(sha), e.getMessage());
      return false;
    }
    if (bytes.length != body.length() || !Sha256.of(bytes).equals(sha)) {
      LOG.error(
          "shared store: {} does not match its sha256; deleting it and asking the upstream",
          key(sha));
      try {
        store.delete(key(sha));
      } catch (IOException e) {
        LOG.warn("shared store: cannot delete {}: {}", key(sha), e.getMessage());
      }
      return false;
    }
    if (!started(sha, sink, bytes.length)) {
      return false;
    }
    sink.data(ByteBuffer.wrap(bytes));
    sink.end();
    return true;
  }

  /** Deletes a stored blob that failed verification, so the next fetch asks the upstream. */
  void forget(Sha256 sha) {
    run(
        () -> {
          store.delete(key(sha));
          LOG.error("shared store: deleted {}, which does not match its sha256", key(sha));
        },
        () -> {});
  }

  /**
   * Uploads a verified local blob, unless the store has it already (in the background). While the
   * store cannot be reached, the blob waits in a bounded backlog for {@link #retryBacklog}.
   */
  void keep(Sha256 sha, Path file) {
    if (!store.reachable()) {
      postpone(sha, file);
      return;
    }
    run(
        () -> {
          String key = key(sha);
          if (!store.exists(key)) {
            store.upload(key, file);
          }
        },
        () -> postpone(sha, file));
  }

  private void postpone(Sha256 sha, Path file) {
    if (backlog.size() < BACKLOG_MAX) {
      backlog.put(sha, file);
    }
  }

  /** Uploads the blobs kept while the store was unreachable (call when it answers again). */
  public void retryBacklog() {
    for (var e : backlog.entrySet()) {
      if (backlog.remove(e.getKey(), e.getValue())) {
        keep(e.getKey(), e.getValue());
      }
    }
  }

  /** Runs {@code action} on the store's pool; {@code failed} runs when the store did not answer. */
  private void run(IoAction action, Runnable failed) {
    try {
      io.execute(
          () -> {
            try {
              action.run();
            } catch (NoSuchFileException e) {
              LOG.info(
                  "shared store: {} left the local tier before it could be uploaded", e.getFile());
            } catch (IOException e) {
              LOG.warn("shared store: {}", e.getMessage());
              failed.run();
            }
          });
    } catch (RejectedExecutionException e) {
      LOG.warn("shared store: too much queued, postponing one request");
      failed.run();
    }
  }

  private interface IoAction {
    void run() throws IOException;
  }
}
