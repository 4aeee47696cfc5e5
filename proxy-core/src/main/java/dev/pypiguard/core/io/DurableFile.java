package dev.pypiguard.core.io;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file being written so that it appears whole or not at all, even across a crash or a power cut:
 * the bytes go to a temporary file (beside the target, or in a directory of the caller's on the
 * same file system), which {@link #commit} forces to the device, renames over the target
 * atomically, and whose directory it then forces too where the platform allows (not on Windows,
 * which cannot open a directory). Until then the target keeps its earlier content, and {@link
 * #close} without a commit deletes the temporary file, so a failed write leaves nothing behind.
 *
 * <p>The temporary file is created with the permissions of any new file (the umask's), so the
 * published file has the same permissions as one written directly. Not thread-safe.
 */
public final class DurableFile implements Closeable {
  /** Room for the suffix within the 255-byte name limit of common file systems. */
  private static final int MAX_PREFIX = 200;

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private boolean done;

  private DurableFile(Path target, Path temp, FileChannel channel) {
    this.target = target;
    this.temp = temp;
    this.channel = channel;
  }

  /** What is written into a durable file, through a stream the caller must not close early. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Starts a write of {@code target} with a temporary file beside it (its directory is created).
   */
  public static DurableFile beside(Path target) throws IOException {
    Path dir = parent(target);
    Files.createDirectories(dir);
    String name = target.getFileName().toString();
    String prefix = name.length() > MAX_PREFIX ? name.substring(0, MAX_PREFIX) : name;
    for (int attempt = 0; ; attempt++) {
      Path temp =
          dir.resolve(
              prefix
                  + "."
                  + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                  + ".tmp");
      try {
        return open(target, temp);
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 9) {
          throw e;
        }
      }
    }
  }

  /**
   * Starts a write of {@code target} through the temporary file {@code temp}, which must not exist
   * and must be on the target's file system (a store's own directory of partial files, which it
   * clears at start). The target's directory is created on commit.
   */
  public static DurableFile through(Path temp, Path target) throws IOException {
    return open(target, temp);
  }

  private static DurableFile open(Path target, Path temp) throws IOException {
    return new DurableFile(
        target,
        temp,
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
  }

  /** Replaces {@code target} with {@code bytes}, durably (blocking). */
  public static void write(Path target, byte[] bytes) throws IOException {
    try (DurableFile f = beside(target)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        f.channel.write(b);
      }
      f.commit();
    }
  }

  /** Replaces {@code target} with what {@code content} writes, durably (blocking). */
  public static void write(Path target, Content content) throws IOException {
    try (DurableFile f = beside(target)) {
      OutputStream out = new BufferedOutputStream(f.stream(), 64 * 1024);
      content.writeTo(out);
      out.flush();
      f.commit();
    }
  }

  /** Replaces {@code target} with a copy of {@code source}, durably (blocking). */
  public static void copy(Path source, Path target) throws IOException {
    try (DurableFile f = beside(target)) {
      try (FileChannel in = FileChannel.open(source)) {
        long size = in.size();
        for (long at = 0; at < size; ) {
          long n = in.transferTo(at, size - at, f.channel);
          if (n <= 0) {
            break;
          }
          at += n;
        }
      }
      f.commit();
    }
  }

  /** The file to publish. */
  public Path target() {
    return target;
  }

  /**
   * The temporary file: for a writer that opens it by name (an HTTP client downloading into it) and
   * for readers of a write in progress; {@link #commit} forces whatever was written to it.
   */
  public Path temp() {
    return temp;
  }

  /** The temporary file's channel, for writing. */
  public FileChannel channel() {
    return channel;
  }

  /** An unbuffered stream into the temporary file; closing it leaves the file open for commit. */
  public OutputStream stream() {
    OutputStream out = Channels.newOutputStream(channel);
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() {
        // The channel stays open: commit forces and closes it.
      }
    };
  }

  /** Publishes the bytes written over any earlier target: forced, renamed, directory forced. */
  public void commit() throws IOException {
    finish();
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    forceDirectory(target);
  }

  /**
   * Publishes the bytes written unless the target exists where the platform can tell (an atomic
   * rename on Linux replaces it): false, with the temporary file deleted, when the target was there
   * first. For content-addressed files, whose earlier copy holds the same bytes.
   */
  public boolean commitIfAbsent() throws IOException {
    finish();
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temp);
      return false;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    forceDirectory(target);
    return true;
  }

  private void finish() throws IOException {
    if (done) {
      throw new IOException(target + ": this write is already closed");
    }
    done = true;
    try {
      channel.force(true);
      channel.close();
      // One stat where the directory is there, as it mostly is: createDirectories would try a
      // mkdir first and build the exception its refusal throws.
      Path dir = parent(target);
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
      }
    } catch (IOException | RuntimeException e) {
      discard();
      throw e;
    }
  }

  /**
   * Forces the directory entry of a renamed file. Best effort: Windows cannot open a directory, and
   * some network file systems refuse to force one; the rename itself has then happened.
   */
  private static Path parent(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IllegalArgumentException("not a file path: " + file);
    }
    return dir;
  }

  private static void forceDirectory(Path file) {
    try (FileChannel dir = FileChannel.open(parent(file), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // See above: nothing more can be done here.
    }
  }

  /** Deletes the temporary file unless committed; the target keeps its earlier content. */
  @Override
  public void close() throws IOException {
    if (!done) {
      done = true;
      discard();
    }
  }

  private void discard() throws IOException {
    try {
      channel.close();
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
