package dev.pypiguard.policy.rule;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link KnownFiles} that lasts as long as the process (tests, {@code check}), and the base of
 * the durable one, which also writes each new pin down ({@link #keep}).
 */
class InMemoryKnownFiles implements KnownFiles {
  private final Map<String, String> pins = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final Labels label = new Labels("known-");
  private final Object writeLock = new Object();

  /** Loads a pin read back from storage; the first one for a name wins. */
  protected final void load(String filename, String sha256) {
    pins.putIfAbsent(filename, sha256);
  }

  /** Pins written down by {@link #keep} and not yet made durable by {@link #force}. */
  private volatile boolean unforced;

  /**
   * Writes a new pin down (durable once {@link #force} ran); called once per name, under a lock.
   */
  protected void keep(String filename, String sha256) {}

  /** Makes what {@link #keep} wrote durable; called under the same lock. */
  protected void force() {}

  @Override
  public void flush() {
    if (!unforced) {
      return;
    }
    synchronized (writeLock) {
      if (unforced) {
        force();
        unforced = false;
      }
    }
  }

  @Override
  public String pin(String project, String filename, String sha256) {
    return pin(filename, sha256);
  }

  /** As {@link #pin(String, String, String)}: pins are by file name alone. */
  public final String pin(String filename, String sha256) {
    String known = pins.get(filename);
    if (known != null) {
      return known;
    }
    if (!KnownFiles.keepable(filename)) {
      return sha256;
    }
    synchronized (writeLock) {
      known = pins.get(filename);
      if (known != null) {
        return known;
      }
      keep(filename, sha256);
      unforced = true;
      pins.put(filename, sha256);
      return sha256;
    }
  }

  @Override
  public Optional<String> pinned(String filename) {
    return Optional.ofNullable(pins.get(filename));
  }

  @Override
  public String generation() {
    return label.of(generation.get());
  }

  @Override
  public String pinVerified(String project, String filename, String sha256) {
    String known = pin(filename, sha256);
    flush();
    generation.incrementAndGet();
    return known;
  }

  /** Takes a pin another replica made first; a change of answer bumps the generation. */
  public void learn(String filename, String sha256) {
    if (!pin(filename, sha256).equals(sha256)) {
      generation.incrementAndGet();
    }
  }
}
