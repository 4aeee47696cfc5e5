package dev.pypiguard.policy.rule;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of text lines, read whole when opened: the durable half of {@link
 * FileFirstSeen} and {@link FileKnownFiles}. A torn last line (a crash mid-write) is ended before
 * the next record so that the two are never glued together. A write that fails is logged once; the
 * caller keeps its answer in memory. Not thread-safe: callers hold their own write lock.
 */
final class AppendLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AppendLog.class);

  private final Path file;
  private final String what;
  private final boolean force;
  private @Nullable FileChannel channel;
  private boolean writeFailed;

  /**
   * Opens {@code file} (created on first append), passing each existing line to {@code lines}.
   *
   * @param what how log lines name it, like {@code first-seen store}
   * @param force whether each append is forced to the file system before it returns
   * @throws UncheckedIOException when the file exists but cannot be read
   */
  AppendLog(Path file, String what, boolean force, Consumer<String> lines) {
    this.file = file;
    this.what = what;
    this.force = force;
    boolean needsNewline = false;
    try {
      byte[] bytes = Files.readAllBytes(file);
      new String(bytes, StandardCharsets.UTF_8).lines().forEach(lines);
      needsNewline = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
    } catch (NoSuchFileException e) {
      // Nothing recorded yet.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " " + file, e);
    }
    if (needsNewline) {
      write("\n", force);
    }
  }

  /** Appends {@code line} and a line feed, in one write so a crash tears at most this record. */
  void append(String line) {
    write(line + "\n", force);
  }

  /** As {@link #append}, never forced: {@link #force()} makes it durable with those before it. */
  void appendUnforced(String line) {
    write(line + "\n", false);
  }

  /** Forces what was appended to the file system, when this log forces its appends. */
  void force() {
    if (!force || channel == null) {
      return;
    }
    try {
      channel.force(false);
    } catch (IOException e) {
      failed(e);
    }
  }

  private void write(String text, boolean forceIt) {
    try {
      if (channel == null) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        channel =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
      }
      ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        channel.write(b);
      }
      if (forceIt) {
        channel.force(false);
      }
    } catch (IOException e) {
      failed(e);
    }
  }

  private void failed(IOException e) {
    if (!writeFailed) {
      writeFailed = true;
      LOG.warn(
          "cannot write {} {}: {}; what it records is kept in memory until restart",
          what,
          file,
          e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
