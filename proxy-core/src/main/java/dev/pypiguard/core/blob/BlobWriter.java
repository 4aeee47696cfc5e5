package dev.pypiguard.core.blob;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A blob being written: bytes are appended and hashed as they arrive, then {@link #commit}
 * publishes the blob atomically if, and only if, its digest is the expected one.
 *
 * <p>Readers may open the partial content while it grows ({@link #openReader}); the channel stays
 * valid after commit, so a reader that started early reads the same bytes to the end.
 */
public interface BlobWriter extends Closeable {
  Sha256 expected();

  /** Appends bytes; returns the total written so far. */
  long append(ByteBuffer bytes) throws IOException;

  /** Bytes written so far. */
  long written();

  /** Opens a read-only channel on the content written so far (and later). */
  FileChannel openReader() throws IOException;

  /**
   * Verifies the digest (and the size, when {@code expectedSize >= 0}) without publishing: the
   * bytes written are then known to be the expected ones, and no more can be appended. A later
   * {@link #commit} publishes them without checking again.
   *
   * @throws IntegrityException when the content does not match; the partial file is deleted
   */
  void verify(long expectedSize) throws IOException;

  /**
   * Verifies the digest (and the size, when {@code expectedSize >= 0}), unless {@link #verify} did,
   * and publishes the blob durably.
   *
   * @throws IntegrityException when the content does not match; the partial file is deleted
   */
  void commit(long expectedSize) throws IOException;

  /** Discards the partial content (after a failure); idempotent. */
  @Override
  void close() throws IOException;
}
