package dev.pypiguard.policy.rule;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A {@link KnownFiles} kept in {@code <cache-dir>/known-files.tsv}, so that a restart does not
 * forget which bytes a name stands for: append-only, one {@code filename TAB sha256} line per name,
 * read whole at start. When a name appears twice the first line wins; lines that do not parse are
 * skipped. Unlike a first sighting, a lost pin would let a swap through, so each append is forced
 * to the file system before the pin is answered.
 */
public final class FileKnownFiles extends InMemoryKnownFiles implements Closeable {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final AppendLog log;

  /**
   * Opens (creating on first write) the memory at {@code file}.
   *
   * @throws java.io.UncheckedIOException when the file exists but cannot be read
   */
  public FileKnownFiles(Path file) {
    this.log = new AppendLog(file, "known-files memory", true, this::read);
  }

  private void read(String line) {
    int tab = line.lastIndexOf('\t');
    if (tab > 0 && SHA256.matcher(line.substring(tab + 1)).matches()) {
      load(line.substring(0, tab), line.substring(tab + 1));
    }
  }

  /**
   * The pins in {@code file} as they are now, in a memory that never writes: for commands that
   * judge like the server without changing its state ({@code check}).
   */
  public static KnownFiles readOnly(Path file) {
    var m = new InMemoryKnownFiles();
    try {
      for (String line :
          java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
        int tab = line.lastIndexOf('\t');
        if (tab > 0 && SHA256.matcher(line.substring(tab + 1)).matches()) {
          m.pin(line.substring(0, tab), line.substring(tab + 1));
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // Nothing known yet.
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the known-files memory " + file, e);
    }
    return m;
  }

  @Override
  protected void keep(String filename, String sha256) {
    if (SHA256.matcher(sha256).matches()) {
      log.appendUnforced(filename + "\t" + sha256);
    }
  }

  @Override
  protected void force() {
    log.force();
  }

  @Override
  public synchronized void close() throws IOException {
    log.close();
  }
}
