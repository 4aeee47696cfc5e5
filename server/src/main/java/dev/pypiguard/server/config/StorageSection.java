package dev.pypiguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.YamlDocument;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the {@code storage:} section of the config file into a {@link Storage}, reporting every
 * problem with its file, line and key.
 *
 * <p>{@code ${NAME}} in any value was already read from the environment (see {@link
 * YamlDocument#expandEnvironment}); a secret may also be read from a file ({@code secret-key-file},
 * relative to the config file), whose trailing line break is dropped.
 */
final class StorageSection {
  static final Set<String> KEYS =
      Set.of(
          "type",
          "endpoint",
          "region",
          "bucket",
          "prefix",
          "path-style",
          "access-key",
          "access-key-file",
          "secret-key",
          "secret-key-file");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern PREFIX = Pattern.compile("([a-z0-9._-]+/)*");

  private final YamlDocument doc;
  private final Path base;
  private final List<String> problems;

  private StorageSection(YamlDocument doc, Path base, List<String> problems) {
    this.doc = doc;
    this.base = base;
    this.problems = problems;
  }

  /**
   * The storage a config file's {@code storage:} node describes; problems go to {@code problems}.
   */
  static Storage read(YamlDocument doc, JsonNode node, List<String> problems) {
    if (node == null || node.isNull()) {
      return new Storage.FileSystem();
    }
    if (!node.isObject()) {
      problems.add(
          doc.where("storage") + ": expected a mapping like {type: s3, bucket: NAME, ...}");
      return new Storage.FileSystem();
    }
    doc.allowOnly(node, "storage", KEYS);
    Path base =
        java.util.Objects.requireNonNull(Path.of(doc.source()).toAbsolutePath().getParent());
    return new StorageSection(doc, base, problems).read(node);
  }

  private Storage read(JsonNode node) {
    String type = value(node, "type").orElse("filesystem").toLowerCase(Locale.ROOT);
    if (type.equals("filesystem")) {
      for (String k : KEYS) {
        if (!k.equals("type") && node.has(k)) {
          problems.add(doc.where("storage." + k) + ": only for type: s3");
        }
      }
      return new Storage.FileSystem();
    }
    if (!type.equals("s3")) {
      problems.add(doc.where("storage.type") + ": \"" + type + "\" (expected: filesystem or s3)");
      return new Storage.FileSystem();
    }
    Optional<URI> endpoint =
        value(node, "endpoint")
            .flatMap(
                e -> {
                  try {
                    URI u = new URI(e);
                    String scheme = String.valueOf(u.getScheme()).toLowerCase(Locale.ROOT);
                    if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) {
                      return Optional.of(u);
                    }
                  } catch (URISyntaxException ignored) {
                    // reported below
                  }
                  problems.add(
                      doc.where("storage.endpoint")
                          + ": \""
                          + e
                          + "\" (expected: an http or https URL of an S3 API, like https://s3.eu-west-1.amazonaws.com)");
                  return Optional.empty();
                });
    String region = value(node, "region").orElse("us-east-1");
    String bucket = value(node, "bucket").orElse("");
    if (!BUCKET.matcher(bucket).matches()) {
      problems.add(
          doc.where(node.has("bucket") ? "storage.bucket" : "storage")
              + ": "
              + (bucket.isEmpty()
                  ? "type: s3 needs a bucket"
                  : "\"" + bucket + "\" (expected: a bucket name, 3 to 63 of a-z 0-9 . -)"));
    }
    String prefix = value(node, "prefix").orElse("");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (!PREFIX.matcher(prefix).matches()) {
      problems.add(
          doc.where("storage.prefix")
              + ": \""
              + prefix
              + "\" (expected: path segments of a-z 0-9 . _ -, like pypi-guard/)");
    }
    boolean pathStyle = false;
    if (node.hasNonNull("path-style")) {
      Optional<String> ps = value(node, "path-style");
      if (ps.isPresent() && (ps.get().equals("true") || ps.get().equals("false"))) {
        pathStyle = Boolean.parseBoolean(ps.get());
      } else {
        problems.add(
            doc.where("storage.path-style") + ": " + ps.orElse("") + " (expected: true or false)");
      }
    }
    Optional<String> access = secret(node, "access-key");
    Optional<String> secret = secret(node, "secret-key");
    Optional<Storage.Credentials> credentials = Optional.empty();
    if (access.isPresent() && secret.isPresent()) {
      credentials = Optional.of(new Storage.Credentials(access.get(), secret.get()));
    } else if (access.isPresent() || secret.isPresent()) {
      problems.add(
          doc.where("storage")
              + ": give both access-key and secret-key (or their -file forms),"
              + " or neither to use the AWS environment variables");
    }
    return new Storage.S3(endpoint, region, bucket, prefix, pathStyle, credentials);
  }

  /** {@code key} or {@code key-file}, not both. */
  private Optional<String> secret(JsonNode node, String key) {
    Optional<String> direct = value(node, key);
    Optional<String> file = value(node, key + "-file");
    if (direct.isPresent() && file.isPresent()) {
      problems.add(
          doc.where("storage." + key) + ": give " + key + " or " + key + "-file, not both");
      return Optional.empty();
    }
    if (file.isEmpty()) {
      return direct;
    }
    Path p = base.resolve(file.get());
    try {
      String text = Files.readString(p, StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        problems.add(doc.where("storage." + key + "-file") + ": " + p + " is empty");
        return Optional.empty();
      }
      return Optional.of(text);
    } catch (IOException e) {
      problems.add(doc.where("storage." + key + "-file") + ": " + p + " is not a readable file");
      return Optional.empty();
    }
  }

  /** A scalar value. */
  private Optional<String> value(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isValueNode()) {
      problems.add(doc.where("storage." + key) + ": expected a single value");
      return Optional.empty();
    }
    return Optional.of(v.asText());
  }
}
