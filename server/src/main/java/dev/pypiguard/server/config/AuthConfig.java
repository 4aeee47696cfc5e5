package dev.pypiguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.YamlDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The config file's {@code auth: {tokens-file: FILE}} section (relative paths: beside the config
 * file).
 */
final class AuthConfig {
  private AuthConfig() {}

  static Optional<Path> tokensFile(YamlDocument doc, Path configFile, List<String> problems) {
    JsonNode auth = doc.root().get("auth");
    if (auth == null || auth.isNull()) {
      return Optional.empty();
    }
    if (!auth.isObject()) {
      problems.add(doc.where("auth") + ": expected {tokens-file: FILE}");
      return Optional.empty();
    }
    doc.allowOnly(auth, "auth", Set.of("tokens-file"));
    JsonNode f = auth.get("tokens-file");
    if (f == null || !f.isTextual() || f.asText().isBlank()) {
      problems.add(
          doc.where(f == null ? "auth" : "auth.tokens-file")
              + ": expected tokens-file: FILE, a YAML file of tokens and users");
      return Optional.empty();
    }
    Path dir = java.util.Objects.requireNonNull(configFile.toAbsolutePath().getParent());
    Path file = dir.resolve(f.asText());
    if (!Files.isReadable(file) || Files.isDirectory(file)) {
      problems.add(doc.where("auth.tokens-file") + ": " + file + " is not a readable file");
      return Optional.empty();
    }
    return Optional.of(file);
  }
}
