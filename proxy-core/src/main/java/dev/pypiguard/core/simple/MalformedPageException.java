package dev.pypiguard.core.simple;

/**
 * An upstream simple-API page that cannot be read: not JSON, a wrong type, or a missing required
 * key.
 *
 * <p>The message names the offending location in a JSON-path-like form and what was expected, for
 * example {@code files[3].hashes: expected an object}. A page with any malformed file entry is
 * rejected whole rather than partially served: a page with holes would silently hide files (or
 * their hashes) from policy, which is worse than an explicit upstream error.
 */
public final class MalformedPageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A page malformed at {@code where} (a path such as {@code files[3].hashes}). */
  MalformedPageException(String where, String problem) {
    super(where + ": " + problem);
  }

  /** A page that could not be read at all, with the parser's reason. */
  MalformedPageException(String problem, Throwable cause) {
    super(problem, cause);
  }
}
