package dev.pypiguard.policy.rule;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
  private final Map<String, Instant> times = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();
  private final AppendLog log;

  /**
   * Opens (creating on first write) the store at {@code file}.
   *
   * @throws java.io.UncheckedIOException when the file exists but cannot be read
   */
  public FileFirstSeen(Path file) {
    this.log = new AppendLog(file, "first-seen store", false, this::load);
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

  /**
   * The first sightings in {@code file} as they are now, answering {@code now} for others without
   * writing anything: for commands that judge like the server without changing its state ({@code
   * check}), so that they see the server's first sightings, not their own.
   */
  public static FirstSeen readOnly(Path file) {
    if (!java.nio.file.Files.isRegularFile(file)) {
      return new InMemoryFirstSeen();
    }
    var read = new java.util.HashMap<String, Instant>();
    try {
      for (String line :
          java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
        int tab = line.lastIndexOf('\t');
        if (tab > 0) {
          try {
            read.merge(
                line.substring(0, tab),
                Instant.ofEpochMilli(Long.parseLong(line.substring(tab + 1))),
                (a, b) -> a.isBefore(b) ? a : b);
          } catch (NumberFormatException e) {
            // A torn line.
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read first-seen store " + file, e);
    }
    var mine = new InMemoryFirstSeen();
    return (key, now) -> read.containsKey(key) ? read.get(key) : mine.firstSeen(key, now);
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
      log.append(key + "\t" + now.toEpochMilli());
      times.put(key, now);
      return now;
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      log.close();
    }
  }
}
