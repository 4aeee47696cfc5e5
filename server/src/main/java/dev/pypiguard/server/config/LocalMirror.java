package dev.pypiguard.server.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The simple URL of a local mirror given as {@code file:DIR}: {@code DIR/simple/} when {@code DIR}
 * holds a {@code simple} directory (an export, or a static tree laid out the same way), else {@code
 * DIR} itself when it is the simple root.
 */
public final class LocalMirror {
  private LocalMirror() {}

  /** The absolute {@code file:} simple URL, or empty when {@code DIR} is not a directory. */
  public static Optional<URI> simpleUrl(String fileSpec) {
    String rest = fileSpec.substring("file:".length());
    Path dir;
    try {
      // Both file:relative/dir and file:///absolute/dir are accepted.
      dir = rest.startsWith("//") ? Path.of(URI.create(fileSpec)) : Path.of(rest);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    dir = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Path simple = Files.isDirectory(dir.resolve("simple")) ? dir.resolve("simple") : dir;
    String uri = simple.toUri().toString();
    return Optional.of(URI.create(uri.endsWith("/") ? uri : uri + "/"));
  }
}
