package dev.pypiguard.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML (or JSON) document read into a tree that remembers the line of every key, so that each
 * problem found while validating it can name the file, line and key.
 *
 * <p>Keys are addressed by dotted paths with indexes: {@code cache.page-ttl}, {@code
 * upstreams[1].url}. Collects every problem before failing, so a user fixes a file in one pass.
 */
public final class YamlDocument {
  private static final YAMLFactory YAML = new YAMLFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(YAML);

  private final String source;
  private final JsonNode root;
  private final Map<String, Integer> lines;
  private final List<String> problems = new ArrayList<>();

  private YamlDocument(String source, JsonNode root, Map<String, Integer> lines) {
    this.source = source;
    this.root = root;
    this.lines = lines;
  }

  /** Reads a file; a missing, unreadable or syntactically broken file is a ConfigException. */
  public static YamlDocument read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
    return parse(file.toString(), new String(bytes, StandardCharsets.UTF_8));
  }

  /** Parses text; {@code source} names it in messages. */
  public static YamlDocument parse(String source, String text) {
    var lines = new HashMap<String, Integer>();
    try (JsonParser p = YAML.createParser(text)) {
      p.setCodec(MAPPER);
      JsonToken t = p.nextToken();
      if (t == null) {
        return new YamlDocument(source, JsonNodeFactory.instance.objectNode(), lines);
      }
      JsonNode root = readValue(p, "", lines);
      if (p.nextToken() != null) {
        throw new ConfigException(source + ": more than one YAML document");
      }
      return new YamlDocument(source, root, lines);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : ":" + loc.getLineNr();
      throw new ConfigException(source + where + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(source + ": cannot read: " + e.getMessage());
    }
  }

  private static JsonNode readValue(JsonParser p, String path, Map<String, Integer> lines)
      throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      ObjectNode obj = JsonNodeFactory.instance.objectNode();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        String child = path.isEmpty() ? name : path + "." + name;
        if (obj.has(name)) {
          throw new ConfigException(
              "line " + p.currentLocation().getLineNr() + ": duplicate key " + child);
        }
        lines.put(child, p.currentLocation().getLineNr());
        p.nextToken();
        obj.set(name, readValue(p, child, lines));
      }
      return obj;
    }
    if (t == JsonToken.START_ARRAY) {
      ArrayNode arr = JsonNodeFactory.instance.arrayNode();
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        String child = path + "[" + i++ + "]";
        lines.put(child, p.currentLocation().getLineNr());
        arr.add(readValue(p, child, lines));
      }
      return arr;
    }
    return p.readValueAsTree();
  }

  public JsonNode root() {
    return root;
  }

  public String source() {
    return source;
  }

  /** {@code file:line: key: message}, for a problem at {@code path}. */
  public String where(String path) {
    Integer line = lines.get(path);
    return source + (line == null ? "" : ":" + line) + (path.isEmpty() ? "" : ": " + path);
  }

  /** Records a problem at a path; {@link #check} throws them all at once. */
  public void problem(String path, String message) {
    problems.add(where(path) + ": " + message);
  }

  /** The problems recorded so far, as {@code file:line: key: message}. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws one ConfigException listing every recorded problem, if any. */
  public void check() {
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }

  /** Records unknown keys of an object node as problems. */
  public void allowOnly(JsonNode node, String path, java.util.Set<String> known) {
    if (node == null || !node.isObject()) {
      return;
    }
    node.fieldNames()
        .forEachRemaining(
            k -> {
              if (!known.contains(k)) {
                problem(
                    path.isEmpty() ? k : path + "." + k,
                    "unknown key (expected one of: "
                        + String.join(", ", new java.util.TreeSet<>(known))
                        + ")");
              }
            });
  }

  /**
   * Replaces {@code ${NAME}} in every string value with the environment variable {@code NAME}
   * ({@code ${NAME:-default}} when it may be unset; {@code $${} is a literal {@code ${}). An unset
   * variable without a default is a problem at its key. The variable's value is never put in a
   * message: it may be a secret.
   */
  public void expandEnvironment(java.util.function.Function<String, String> env) {
    expand(root, "", env);
  }

  private void expand(JsonNode node, String path, java.util.function.Function<String, String> env) {
    if (node instanceof ObjectNode obj) {
      var names = new ArrayList<String>();
      obj.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String child = path.isEmpty() ? name : path + "." + name;
        JsonNode v = obj.get(name);
        if (v.isTextual()) {
          expandText(v.asText(), child, env).ifPresent(t -> obj.put(name, t));
        } else {
          expand(v, child, env);
        }
      }
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        String child = path + "[" + i + "]";
        JsonNode v = arr.get(i);
        if (v.isTextual()) {
          int at = i;
          expandText(v.asText(), child, env)
              .ifPresent(t -> arr.set(at, JsonNodeFactory.instance.textNode(t)));
        } else {
          expand(v, child, env);
        }
      }
    }
  }

  private java.util.Optional<String> expandText(
      String text, String path, java.util.function.Function<String, String> env) {
    if (!text.contains("${")) {
      return java.util.Optional.empty();
    }
    var out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
        continue;
      }
      if (!text.startsWith("${", i)) {
        out.append(text.charAt(i++));
        continue;
      }
      int end = text.indexOf('}', i + 2);
      if (end < 0) {
        problem(path, "unclosed ${ (expected: ${NAME} or ${NAME:-default})");
        return java.util.Optional.empty();
      }
      String body = text.substring(i + 2, end);
      int dflt = body.indexOf(":-");
      String name = dflt < 0 ? body : body.substring(0, dflt);
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problem(
            path,
            "\"${" + body + "}\" is not an environment variable reference (expected: ${NAME})");
        return java.util.Optional.empty();
      }
      String value = env.apply(name);
      if (value == null) {
        if (dflt < 0) {
          problem(path, "environment variable " + name + " is not set");
          return java.util.Optional.empty();
        }
        value = body.substring(dflt + 2);
      }
      out.append(value);
      i = end + 1;
    }
    return java.util.Optional.of(out.toString());
  }
}
