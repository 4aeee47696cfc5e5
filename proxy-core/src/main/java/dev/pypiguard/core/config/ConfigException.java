package dev.pypiguard.core.config;

/**
 * A configuration or policy file, or a flag, that cannot be used; the message names the file, line
 * and key where there is one, and says what was expected. Shown to users as is.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
