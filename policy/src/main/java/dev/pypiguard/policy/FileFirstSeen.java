package dev.pypiguard.policy;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link FirstSeen} store kept in a file, so that a cooldown started by first sight survives
 * restarts.
 *
 * <p>The file is append-only, one {@code key<TAB>epoch-millis} line per file seen, read whole at
 * start. A line that does not parse (a write torn by a crash) is skipped; when a key appears twice
 * the earliest time wins. Appends are not forced to disk: losing the last few after a power cut
 * only restarts those files' cooldowns, which errs on the safe side.
 */
public final class FileFirstSeen implements FirstSeen, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(FileFirstSeen.class);

  private final Path file;
  private final Map<String, Instant> times = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();
  private OutputStream out;
  private boolean writeFailed;

  /**
   * Opens (creating on first write) the store at {@code file}.
   *
   * @throws UncheckedIOException when the file exists but cannot be read
   */
  public FileFirstSeen(Path file) {
    this.file = file;
    boolean needsNewline = false;
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text = new String(bytes, StandardCharsets.UTF_8);
      text.lines().forEach(this::load);
      // A torn last line has no line feed: the next record must not be glued to it.
      needsNewline = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
    } catch (NoSuchFileException e) {
      // Nothing seen yet.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read first-seen store " + file, e);
    }
    if (needsNewline) {
      synchronized (writeLock) {
        write("\n");
      }
    }
  }

  private void load(String line) {
    int tab = line.lastIndexOf('\t');
    if (tab <= 0) {
      return;
    }
    try {
      Instant t = Instant.ofEpochMilli(Long.parseLong(line.substring(tab + 1)));
      times.merge(line.substring(0, tab), t, (a, b) -> a.isBefore(b) ? a : b);
    } catch (NumberFormatException e) {
      // A torn or foreign line; the file is a cache of first sightings, so skip it.
    }
  }

  /** The first sighting recorded for {@code key}, without recording one. */
  public java.util.Optional<Instant> recorded(String key) {
    return java.util.Optional.ofNullable(times.get(FirstSeen.checkKey(key)));
  }

  @Override
  public Instant firstSeen(String key, Instant now) {
    FirstSeen.checkKey(key);
    Instant known = times.get(key);
    if (known != null) {
      return known;
    }
    synchronized (writeLock) {
      known = times.get(key);
      if (known != null) {
        return known;
      }
      write(key + "\t" + now.toEpochMilli() + "\n");
      times.put(key, now);
      return now;
    }
  }

  /** Appends under {@link #writeLock}; a failure is logged once and the time kept in memory. */
  private void write(String text) {
    try {
      if (out == null) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        out =
            Files.newOutputStream(
                file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      }
      // One write per record, unbuffered, so a crash can tear at most the record being written.
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      if (!writeFailed) {
        writeFailed = true;
        LOG.warn(
            "cannot write first-seen store {}: {}; first sightings are kept in memory until restart",
            file,
            e.toString());
      }
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      if (out != null) {
        out.close();
        out = null;
      }
    }
  }
}
