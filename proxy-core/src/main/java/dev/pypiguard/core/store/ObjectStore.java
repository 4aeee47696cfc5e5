package dev.pypiguard.core.store;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store of named objects shared by every replica (an S3 bucket): the artifacts they cached and
 * the small records their decisions depend on.
 *
 * <p>Every object appears whole or not at all; there is no rename and no append. Writers of shared
 * records therefore either write content-addressed objects (the same key always holds the same
 * bytes) or use {@link #create}, where the first writer wins and everyone reads its value. Keys are
 * relative paths of {@code [a-z0-9._-]} segments; the store adds its own prefix.
 *
 * <p>Every method blocks on the network: call them off the event loop. An unreachable store throws
 * {@link IOException}; an absent object is an empty {@link Optional}, not an error.
 */
public interface ObjectStore {
  /** A small object's bytes, or empty when there is none. */
  Optional<byte[]> read(String key) throws IOException;

  /** Opens an object for streaming, or empty when there is none. */
  Optional<Body> open(String key) throws IOException;

  /** Whether an object exists under {@code key}. */
  boolean exists(String key) throws IOException;

  /** The keys that start with {@code prefix}, in key order. */
  List<String> list(String prefix) throws IOException;

  /** Writes a small object, replacing any earlier one whole. */
  void write(String key, byte[] content) throws IOException;

  /**
   * Writes a small object only if none exists, and returns what the store holds afterwards: {@code
   * content} when this writer was first, else the earlier writer's bytes. Concurrent callers all
   * end up answering the same bytes.
   */
  byte[] create(String key, byte[] content) throws IOException;

  /** Uploads a file as one object, which becomes visible whole or not at all. */
  void upload(String key, Path file) throws IOException;

  /** Deletes an object; nothing happens when there is none. */
  void delete(String key) throws IOException;

  /** Whether the last request reached the store (for health reports). */
  boolean reachable();

  /** An object's body, streamed; close it to release the connection. */
  record Body(long length, InputStream stream) implements Closeable {
    @Override
    public void close() throws IOException {
      stream.close();
    }
  }
}
