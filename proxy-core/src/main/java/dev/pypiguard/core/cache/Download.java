package dev.pypiguard.core.cache;

import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.IntegrityException;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.upstream.DownloadSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream download of a blob, shared by every client that asked for it while it runs.
 *
 * <p>Bytes go to a partial file as they arrive; readers follow the file and may send up to {@link
 * #releasable()} bytes, which holds the last byte back until the digest is verified, so a client
 * can never receive a whole body that turns out to be wrong. The last byte is released as soon as
 * the digest matched ({@link #verified()}), before the file is forced to disk and renamed into the
 * store (README "Speed"): the cache entry still appears only after that durable rename, and when
 * the rename fails the client has verified bytes while the cache simply does not keep the file.
 *
 * <p>A download never takes more than its limit: the page's declared size, or the configured
 * maximum when the page declares none. The byte after the limit is refused unwritten, the transfer
 * is cut and the download fails as an {@link IntegrityException}, so a lying or endless upstream
 * can neither fill the disk nor push one byte past the size a response announced (README, "Hostile
 * upstreams and clients").
 */
public final class Download implements DownloadSink {
  private static final Logger LOG = LoggerFactory.getLogger(Download.class);
  private final Sha256 key;
  private final String filename;
  private final BlobWriter writer;
  private final OptionalLong declaredSize;
  private final CompletableFuture<Path> result = new CompletableFuture<>();
  private final CompletableFuture<Void> whole = new CompletableFuture<>();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final java.util.function.Function<Sha256, java.util.Optional<Path>> locate;
  private volatile OptionalLong length = OptionalLong.empty();

  /** The most bytes this download may take: the declared size, or the configured maximum. */
  private final long limit;

  /** The digest and size matched: every byte written may be sent, even before it is durable. */
  private volatile boolean verified;

  /** Why the upstream's bytes were refused before the end, when they were. */
  private volatile @Nullable IntegrityException refused;

  Download(
      Sha256 key,
      String filename,
      BlobWriter writer,
      OptionalLong declaredSize,
      long maxUndeclared,
      java.util.function.Function<Sha256, java.util.Optional<Path>> locate) {
    this.key = key;
    this.filename = filename;
    this.writer = writer;
    this.declaredSize = declaredSize;
    this.length = declaredSize;
    this.limit = declaredSize.orElse(maxUndeclared);
    this.locate = locate;
    result.whenComplete(
        (p, e) -> {
          if (e != null) {
            whole.completeExceptionally(e);
          } else {
            whole.complete(null);
          }
        });
  }

  public Sha256 key() {
    return key;
  }

  public String filename() {
    return filename;
  }

  /** Completes with the published blob, or exceptionally with the reason the download failed. */
  public CompletableFuture<Path> result() {
    return result;
  }

  /**
   * Completes once every byte is there and verified, which may be before {@link #result()} has
   * forced and kept them (readers may then send them all, and {@link #openReader()} reads them), or
   * exceptionally when the download failed first. Its dependents run on the download's thread
   * before the file is kept: they must not block.
   */
  public CompletableFuture<Void> whole() {
    return whole;
  }

  /** The size the page declared, which the upstream's bytes must match; none when it gave none. */
  public OptionalLong declaredSize() {
    return declaredSize;
  }

  /** The expected total length, from the page's size or the upstream's Content-Length. */
  public OptionalLong length() {
    return length;
  }

  public long written() {
    return writer.written();
  }

  /**
   * How many bytes a reader may send now: everything once verified, all but one byte before, and
   * never more than the expected length.
   */
  public long releasable() {
    long written = writer.written();
    if (verified) {
      return written;
    }
    long cap = Math.min(limit, length.orElse(Long.MAX_VALUE));
    return Math.max(0, Math.min(written, cap) - 1);
  }

  /**
   * Whether the bytes are all there and their digest matched: readers may send them all, though
   * {@link #result()} may still be publishing them (or fail to keep them).
   */
  public boolean verified() {
    return verified;
  }

  /** The most bytes this download takes before it is cut: the declared size, or the maximum. */
  public long limit() {
    return limit;
  }

  /** Opens a channel that reads the content from the start, while it grows and after. */
  public FileChannel openReader() throws IOException {
    return writer.openReader();
  }

  /** Runs {@code listener} (on an upstream thread) after every chunk and at the end. */
  public void onProgress(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  private void notifyListeners() {
    for (Runnable r : listeners) {
      r.run();
    }
  }

  @Override
  public void start(OptionalLong contentLength) throws IOException {
    if (contentLength.isPresent()
        && declaredSize.isPresent()
        && contentLength.getAsLong() != declaredSize.getAsLong()) {
      throw new IOException(
          "Content-Length "
              + contentLength.getAsLong()
              + " differs from the declared size "
              + declaredSize.getAsLong());
    }
    if (contentLength.isPresent() && contentLength.getAsLong() > limit) {
      throw refuse(
          "Content-Length "
              + contentLength.getAsLong()
              + " is more than the limit of "
              + limit
              + " bytes for a file whose page declares no size");
    }
    if (declaredSize.isEmpty()) {
      length = contentLength;
    }
  }

  @Override
  public void data(ByteBuffer bytes) throws IOException {
    if (writer.written() + bytes.remaining() > limit) {
      throw refuse(
          declaredSize.isPresent()
              ? "the upstream sent more than the declared size of " + limit + " bytes"
              : "the upstream sent more than the limit of "
                  + limit
                  + " bytes (the page declares no size)");
    }
    writer.append(bytes);
    notifyListeners();
  }

  private IntegrityException refuse(String why) {
    var e = new IntegrityException(why);
    refused = e;
    return e;
  }

  @Override
  public void end() throws IOException {
    long expected = length.orElse(-1);
    try {
      writer.verify(expected);
    } catch (IOException e) {
      try {
        writer.close(); // a mismatch closed it already; a read error while hashing did not
      } catch (IOException ignored) {
        // the partial file is garbage either way; the store sweeps its tmp folder at start
      }
      result.completeExceptionally(e);
      notifyListeners();
      return;
    }
    verified = true;
    // Readers send the last byte now, while the file is forced and renamed.
    whole.complete(null);
    notifyListeners();
    try {
      writer.commit(expected);
      Path published =
          locate.apply(key).orElseThrow(() -> new IOException("blob " + key + " vanished"));
      result.complete(published);
    } catch (IOException e) {
      LOG.warn("{}: verified and sent, but not kept in the cache: {}", filename, e.getMessage());
      result.completeExceptionally(e);
    } finally {
      notifyListeners();
    }
  }

  @Override
  public void failed(String reason, boolean notFound, boolean timedOut) {
    try {
      writer.close();
    } catch (IOException e) {
      // The partial file is garbage either way; the store sweeps its tmp folder at start.
    }
    IOException why = refused != null ? refused : new DownloadFailure(reason, notFound, timedOut);
    result.completeExceptionally(why);
    notifyListeners();
  }

  /**
   * Ends a download the upstream may not be asked for (the proxy is offline) and the shared store
   * did not have: completes with {@link NotCached}.
   */
  void notCached(String reason) {
    try {
      writer.close();
    } catch (IOException e) {
      // nothing was written
    }
    result.completeExceptionally(new NotCached(reason));
    notifyListeners();
  }

  /** The blob is in neither the local tier nor the shared store, and the proxy is offline. */
  public static final class NotCached extends IOException {
    private static final long serialVersionUID = 1L;

    NotCached(String reason) {
      super(reason);
    }
  }

  /** Why an upstream download produced no blob. */
  public static final class DownloadFailure extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean notFound;
    private final boolean timedOut;

    public DownloadFailure(String reason, boolean notFound, boolean timedOut) {
      super(reason);
      this.notFound = notFound;
      this.timedOut = timedOut;
    }

    public boolean notFound() {
      return notFound;
    }

    public boolean timedOut() {
      return timedOut;
    }
  }
}
