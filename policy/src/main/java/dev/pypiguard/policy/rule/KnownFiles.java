package dev.pypiguard.policy.rule;

import java.util.Optional;

/**
 * The sha256 each file name was first seen with (README §Fail closed). PyPI never reuses a file
 * name, so a known name that comes back with other bytes is a swap, blocked as {@code integrity}
 * with both hashes named. Implementations are durable ({@link FileKnownFiles}, shared by replicas
 * through the server's shared store) and thread-safe; the first hash recorded wins for ever.
 */
public interface KnownFiles {
  /**
   * The sha256 (lower-case hex) remembered for {@code filename}, a file of {@code project} (PEP
   * 503-normalized); when there is none, remembers {@code sha256} and answers it. An answer other
   * than {@code sha256} is a swap.
   */
  String pin(String project, String filename, String sha256);

  /** The sha256 remembered for {@code filename}, without remembering anything. */
  Optional<String> pinned(String filename);

  /**
   * Changes when a pin was added that can change a judgement already made: one made after verifying
   * a weak hash ({@code files.weak-hashes: verify-and-pin}), or one learnt from another replica.
   * Pins taken from the page being judged change nothing and leave it alone, so that every new page
   * does not re-judge every cached one.
   */
  String generation();

  /** Remembers a sha256 computed from bytes verified some other way, and bumps the generation. */
  String pinVerified(String project, String filename, String sha256);

  /**
   * Makes the pins taken by {@link #pin} since the last call durable. A judge calls it once per
   * judgement, before the judgement is answered, so that a page of many new names costs one forced
   * write, not one per name (README "Speed"), and no decision is served on a pin a crash could
   * lose.
   */
  default void flush() {}

  /** A memory that lasts as long as the process: for tests and {@code check}. */
  static KnownFiles inMemory() {
    return new InMemoryKnownFiles();
  }

  /** Whether a file name can be kept: no tab or line break. */
  static boolean keepable(String filename) {
    return !filename.isEmpty()
        && filename.indexOf('\t') < 0
        && filename.indexOf('\n') < 0
        && filename.indexOf('\r') < 0;
  }
}
