package dev.pypiguard.server.config;

/** What reading a watched file again did. */
public sealed interface Reload {
  /** The file changed and its new content is in force. */
  record Reloaded(String version) implements Reload {}

  /** The file has not changed since it was last read; it stays in force. */
  record Unchanged(String version) implements Reload {}

  /** The file cannot be used; the last good content stays in force. */
  record Invalid(String problems) implements Reload {}

  /** {@code reloaded}, {@code unchanged} or {@code invalid}. */
  default String outcome() {
    return this instanceof Reloaded
        ? "reloaded"
        : this instanceof Unchanged ? "unchanged" : "invalid";
  }
}
