package dev.pypiguard.core.blob;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A content-addressed store of immutable blobs keyed by their SHA-256.
 *
 * <p>A blob becomes visible only whole and verified: writers stream into a {@link BlobWriter},
 * which publishes it atomically when the digest matches and discards it otherwise.
 */
public interface BlobStore {
  /** The local file holding the blob, when the store has it. */
  Optional<Path> find(Sha256 key) throws IOException;

  /** Starts writing a blob whose content must hash to {@code expected}. */
  BlobWriter create(Sha256 expected) throws IOException;

  /** Removes a blob; false when there was none. */
  boolean delete(Sha256 key) throws IOException;

  /** Marks a blob as recently used, for eviction. */
  default void touch(Sha256 key) {}
}
