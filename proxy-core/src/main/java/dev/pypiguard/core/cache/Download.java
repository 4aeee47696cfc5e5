package dev.pypiguard.core.cache;

import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.upstream.DownloadSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One upstream download of a blob, shared by every client that asked for it while it runs.
 *
 * <p>Bytes go to a partial file as they arrive; readers follow the file and may send up to
 * {@link #releasable()} bytes, which holds the last byte back until the digest is verified, so a
 * client can never receive a whole body that turns out to be wrong.
 */
public final class Download implements DownloadSink {
  private final Sha256 key;
  private final String filename;
  private final BlobWriter writer;
  private final OptionalLong declaredSize;
  private final CompletableFuture<Path> result = new CompletableFuture<>();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final java.util.function.Function<Sha256, java.util.Optional<Path>> locate;
  private volatile OptionalLong length = OptionalLong.empty();

  Download(
      Sha256 key,
      String filename,
      BlobWriter writer,
      OptionalLong declaredSize,
      java.util.function.Function<Sha256, java.util.Optional<Path>> locate) {
    this.key = key;
    this.filename = filename;
    this.writer = writer;
    this.declaredSize = declaredSize;
    this.length = declaredSize;
    this.locate = locate;
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

  /** The expected total length, from the page's size or the upstream's Content-Length. */
  public OptionalLong length() {
    return length;
  }

  public long written() {
    return writer.written();
  }

  /** How many bytes a reader may send now: everything once verified, all but one byte before. */
  public long releasable() {
    if (result.isDone() && !result.isCompletedExceptionally()) {
      return writer.written();
    }
    return Math.max(0, writer.written() - 1);
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
          "Content-Length " + contentLength.getAsLong() + " differs from the declared size "
              + declaredSize.getAsLong());
    }
    if (declaredSize.isEmpty()) {
      length = contentLength;
    }
  }

  @Override
  public void data(ByteBuffer bytes) throws IOException {
    writer.append(bytes);
    notifyListeners();
  }

  @Override
  public void end() throws IOException {
    try {
      writer.commit(length.orElse(-1));
      Path published =
          locate.apply(key).orElseThrow(() -> new IOException("blob " + key + " vanished"));
      result.complete(published);
    } catch (IOException e) {
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
    result.completeExceptionally(new DownloadFailure(reason, notFound, timedOut));
    notifyListeners();
  }

  /**
   * Ends a download the upstream may not be asked for (the proxy is offline) and the shared
   * store did not have: completes with {@link NotCached}.
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
