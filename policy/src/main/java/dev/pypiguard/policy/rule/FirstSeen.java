package dev.pypiguard.policy.rule;

import java.time.Instant;

/**
 * A store of the time this proxy first saw each file, used by {@code release-age.unknown:
 * first-seen} when the upstream gives no upload time. Implementations are thread-safe.
 */
public interface FirstSeen {
  /**
   * The stored first-seen time of {@code key}, or, when there is none, {@code now}, which is then
   * stored and answered from here on.
   *
   * @param key names a file; contains no tab, line feed or carriage return
   */
  Instant firstSeen(String key, Instant now);

  /** Checks a key for the characters a store may not hold. */
  static String checkKey(String key) {
    if (key.isEmpty()
        || key.indexOf('\t') >= 0
        || key.indexOf('\n') >= 0
        || key.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(
          "first-seen key: \"" + key + "\" (expected: non-empty, without tabs or line breaks)");
    }
    return key;
  }
}
