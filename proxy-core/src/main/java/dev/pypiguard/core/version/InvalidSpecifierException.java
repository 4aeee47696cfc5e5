package dev.pypiguard.core.version;

/**
 * An unchecked exception thrown when a string is not a valid PEP 440 version specifier.
 *
 * <p>The message names the rejected value and what was expected instead.
 */
public final class InvalidSpecifierException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String value;

  InvalidSpecifierException(String value, String expectation) {
    super("version specifier: \"" + value + "\" (expected: " + expectation + ")");
    this.value = value;
  }

  /** The rejected string, exactly as it was given. */
  public String value() {
    return value;
  }
}
