package dev.pypiguard.core.store;

import dev.pypiguard.core.io.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small records kept on the local disk under one directory and, with a shared {@link ObjectStore},
 * under one key prefix there too, so that a replica reads what another wrote: the local tier first,
 * then the shared one, whose record is copied to the local disk for next time; writes go to the
 * local disk (durably, see {@link DurableFile}), then to the shared store.
 *
 * <p>A record's name is a relative path of safe segments ({@code ab/<sha256>.json}) that the caller
 * builds from validated values; it is the same below the directory and below the prefix. A shared
 * store that is absent or known to be unreachable is skipped, so the local disk answers alone; a
 * shared store that fails is logged and treated as not holding the record. Every method blocks on
 * the disk and the network: call them off the event loop.
 */
public final class TieredRecords {
  private static final Logger LOG = LoggerFactory.getLogger(TieredRecords.class);

  private final Path dir;
  private final Optional<ObjectStore> shared;
  private final String prefix;
  private final String what;

  /**
   * Records under {@code dir} and, with {@code shared}, under {@code prefix} (ending in {@code /})
   * there; {@code what} names one record in log lines, like {@code page} or {@code verdict}.
   */
  public TieredRecords(Path dir, Optional<ObjectStore> shared, String prefix, String what) {
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException(
          "prefix: \"" + prefix + "\" (expected: empty or ending in /)");
    }
    this.dir = dir;
    this.shared = shared;
    this.prefix = prefix;
    this.what = what;
  }

  /** The local directory. */
  public Path dir() {
    return dir;
  }

  /** The local file of record {@code name}. */
  public Path local(String name) {
    return dir.resolve(name);
  }

  /** The shared store's key of record {@code name}. */
  public String sharedKey(String name) {
    return prefix + name;
  }

  /** Whether writes reach a shared store now (there is one and it answered last time). */
  public boolean sharing() {
    return shared.isPresent() && shared.get().reachable();
  }

  /**
   * The record's bytes: the local copy when {@code accept} takes it, else the shared store's when
   * {@code accept} takes that (it is then copied to the local disk first). Empty when neither tier
   * has an acceptable copy, when the shared store fails, or when its copy cannot be kept locally.
   *
   * @throws IOException when the local copy exists but cannot be read
   */
  public Optional<byte[]> read(String name, Predicate<byte[]> accept) throws IOException {
    Path p = local(name);
    if (Files.isRegularFile(p)) {
      byte[] bytes = Files.readAllBytes(p);
      if (accept.test(bytes)) {
        return Optional.of(bytes);
      }
    }
    if (!sharing()) {
      return Optional.empty();
    }
    try {
      Optional<byte[]> copy = shared.get().read(sharedKey(name));
      if (copy.isEmpty() || !accept.test(copy.get())) {
        return Optional.empty();
      }
      DurableFile.write(p, copy.get());
      return copy;
    } catch (IOException e) {
      LOG.warn("could not read the shared copy of {} {}: {}", what, name, e.getMessage());
      return Optional.empty();
    }
  }

  /** Writes the local copy only (see {@link #share} for the other tier). */
  public void writeLocal(String name, byte[] bytes) throws IOException {
    DurableFile.write(local(name), bytes);
  }

  /** Replaces the shared copy whole, when {@link #sharing}; nothing otherwise. */
  public void share(String name, byte[] bytes) throws IOException {
    if (sharing()) {
      shared.get().write(sharedKey(name), bytes);
    }
  }

  /** Writes the local copy, then replaces the shared one (when {@link #sharing}). */
  public void write(String name, byte[] bytes) throws IOException {
    writeLocal(name, bytes);
    share(name, bytes);
  }

  /**
   * Writes the local copy, then the shared one unless the shared store holds one already (the first
   * writer wins: for records that every replica would write alike, or that must not be replaced).
   */
  public void create(String name, byte[] bytes) throws IOException {
    writeLocal(name, bytes);
    if (sharing()) {
      shared.get().create(sharedKey(name), bytes);
    }
  }

  /**
   * Deletes both copies (the shared one whenever there is a shared store, reachable or not); a
   * failure is logged, so that one tier failing still clears the other.
   */
  public void delete(String name) {
    try {
      Files.deleteIfExists(local(name));
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", local(name), e.toString());
    }
    if (shared.isPresent()) {
      try {
        shared.get().delete(sharedKey(name));
      } catch (IOException e) {
        LOG.warn("could not delete the shared copy of {} {}: {}", what, name, e.getMessage());
      }
    }
  }
}
