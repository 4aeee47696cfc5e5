package dev.pypiguard.core.version;

/**
 * An unchecked exception thrown when a string is not a valid PEP 440 version.
 *
 * <p>The message names the rejected value and what was expected, so that it can be shown to a user
 * or logged as is.
 */
public final class InvalidVersionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String value;

  InvalidVersionException(String value) {
    super(
        "version: \"" + value + "\" (expected: a PEP 440 version like 1.2.3, 2.0rc1 or 1.0.post1)");
    this.value = value;
  }

  /** The rejected string, exactly as it was given. */
  public String value() {
    return value;
  }
}
