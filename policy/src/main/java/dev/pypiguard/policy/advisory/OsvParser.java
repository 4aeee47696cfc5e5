package dev.pypiguard.policy.advisory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one OSV record (JSON, or YAML as the PyPA advisory database writes it) into an {@link
 * Advisory}. Not thread-safe: one per loading thread, as it shares parsed versions between the
 * records it reads (a version list repeats across a project's records, and the full PyPI set names
 * a few hundred thousand distinct versions millions of times).
 */
final class OsvParser {
  private static final Logger LOG = LoggerFactory.getLogger(OsvParser.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final YAMLFactory YAML = new YAMLFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Versions already parsed, by their spelling; empty optionals for invalid ones. */
  private final Map<String, Optional<Version>> versions = new java.util.HashMap<>();

  /**
   * Whether a file name is one of the formats read ({@code .json}, {@code .yaml}, {@code .yml}).
   */
  static boolean isRecordName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".json") || n.endsWith(".yaml") || n.endsWith(".yml");
  }

  /**
   * The record in {@code bytes}; empty, with a log line naming {@code source}, when it is
   * malformed, and empty without one when it concerns no PyPI package.
   */
  Optional<Advisory> parse(String source, byte[] bytes) {
    try {
      String n = source.toLowerCase(Locale.ROOT);
      boolean yaml = n.endsWith(".yaml") || n.endsWith(".yml");
      JsonNode root;
      try (JsonParser p = (yaml ? YAML : JSON).createParser(bytes)) {
        if (p.nextToken() == null) {
          throw new Malformed("empty");
        }
        root = tree(p);
      }
      return advisory(root);
    } catch (IOException | Malformed | IllegalArgumentException e) {
      LOG.warn("skipping OSV record {}: {}", source, e.getMessage());
      return Optional.empty();
    }
  }

  /** Reads a record already parsed as JSON (the OSV API's answers). */
  Optional<Advisory> parse(String source, JsonNode root) {
    try {
      return advisory(root);
    } catch (Malformed | IllegalArgumentException e) {
      LOG.warn("skipping OSV record {}: {}", source, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * A tree whose scalars keep their written text: YAML reads an unquoted {@code 1.10} as the number
   * 1.1, and a version must stay {@code 1.10}.
   */
  private static JsonNode tree(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      ObjectNode o = NODES.objectNode();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        o.set(name, tree(p));
      }
      return o;
    }
    if (t == JsonToken.START_ARRAY) {
      ArrayNode a = NODES.arrayNode();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        a.add(tree(p));
      }
      return a;
    }
    if (t == JsonToken.VALUE_NULL) {
      return NODES.nullNode();
    }
    return NODES.textNode(p.getText());
  }

  private Optional<Advisory> advisory(JsonNode root) {
    if (!root.isObject()) {
      throw new Malformed("not a mapping");
    }
    String id = text(root, "id").orElseThrow(() -> new Malformed("no id"));
    List<String> aliases = strings(root.get("aliases"), "aliases");
    Optional<Instant> withdrawn = text(root, "withdrawn").map(t -> time(t, "withdrawn"));
    Optional<Instant> modified = text(root, "modified").map(t -> time(t, "modified"));
    String summary = text(root, "summary").orElse("");
    JsonNode db = root.path("database_specific");
    // OSV's malicious-packages records (MAL- ids, OpenSSF malicious-packages) carry their id, or
    // an alias to one, and the malicious-packages-origins provenance block.
    boolean malicious =
        id.startsWith("MAL-")
            || aliases.stream().anyMatch(a -> a.startsWith("MAL-"))
            || db.has("malicious-packages-origins");
    var affected = new ArrayList<Advisory.Affected>();
    JsonNode list = root.get("affected");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new Malformed("affected is not a list");
      }
      for (JsonNode a : list) {
        affected(id, a).ifPresent(affected::add);
      }
    }
    if (affected.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Advisory(
            id, aliases, withdrawn, summary, malicious, severity(root), affected, modified));
  }

  private Optional<Advisory.Affected> affected(String id, JsonNode a) {
    JsonNode pkg = a.path("package");
    // The ecosystem is exactly "PyPI" (OSV schema, ecosystems list).
    if (!"PyPI".equals(pkg.path("ecosystem").asText())) {
      return Optional.empty();
    }
    String name = text(pkg, "name").orElseThrow(() -> new Malformed("PyPI package without a name"));
    var ranges = new ArrayList<Advisory.Range>();
    JsonNode rs = a.get("ranges");
    if (rs != null && !rs.isNull()) {
      if (!rs.isArray()) {
        throw new Malformed("ranges is not a list");
      }
      for (JsonNode r : rs) {
        // GIT and SEMVER ranges do not order PyPI versions (OSV schema, ranges[].type).
        if ("ECOSYSTEM".equals(r.path("type").asText())) {
          range(id, r).ifPresent(ranges::add);
        }
      }
    }
    var valid = new ArrayList<Version>();
    var other = new ArrayList<String>();
    for (String v : strings(a.get("versions"), "versions")) {
      version(v).ifPresentOrElse(valid::add, () -> other.add(v));
    }
    return Optional.of(
        new Advisory.Affected(ProjectName.normalize(name.strip()), ranges, valid, other));
  }

  private Optional<Advisory.Range> range(String id, JsonNode r) {
    JsonNode events = r.get("events");
    if (events == null || !events.isArray()) {
      throw new Malformed("a range without events");
    }
    var out = new ArrayList<Advisory.Event>();
    for (JsonNode e : events) {
      Iterator<Map.Entry<String, JsonNode>> fields = e.properties().iterator();
      if (!fields.hasNext()) {
        throw new Malformed("an empty range event");
      }
      Map.Entry<String, JsonNode> f = fields.next();
      Advisory.Kind kind;
      switch (f.getKey()) {
        case "introduced":
          kind = Advisory.Kind.INTRODUCED;
          break;
        case "fixed":
          kind = Advisory.Kind.FIXED;
          break;
        case "last_affected":
          kind = Advisory.Kind.LAST_AFFECTED;
          break;
        case "limit":
          kind = Advisory.Kind.LIMIT;
          break;
        default:
          throw new Malformed("unknown range event " + f.getKey());
      }
      String v = f.getValue().asText().strip();
      if (kind == Advisory.Kind.INTRODUCED && v.equals("0")) {
        out.add(new Advisory.Event(kind, Optional.empty()));
      } else if (kind == Advisory.Kind.LIMIT && v.equals("*")) {
        continue; // "*" is no limit at all
      } else {
        Optional<Version> parsed = version(v);
        if (parsed.isEmpty()) {
          // Such a range cannot be evaluated in PEP 440 order; the versions list still counts.
          LOG.debug("{}: range event {}: \"{}\" is not PEP 440; range ignored", id, f.getKey(), v);
          return Optional.empty();
        }
        out.add(new Advisory.Event(kind, parsed));
      }
    }
    return Optional.of(new Advisory.Range(out));
  }

  /**
   * The highest rating among its CVSS v3/v4 vectors, else {@code database_specific.severity}. The
   * highest, because a proxy that blocks errs on the side of the worse reading.
   */
  private static Optional<Severity> severity(JsonNode root) {
    Optional<Severity> best = Optional.empty();
    for (JsonNode s : root.path("severity")) {
      String type = s.path("type").asText();
      if (type.equals("CVSS_V3") || type.equals("CVSS_V4")) {
        OptionalDouble score = Cvss.baseScore(s.path("score").asText());
        if (score.isPresent()) {
          Severity r = Severity.ofScore(score.getAsDouble());
          if (best.isEmpty() || r.compareTo(best.get()) > 0) {
            best = Optional.of(r);
          }
        }
      }
    }
    if (best.isPresent()) {
      return best;
    }
    return text(root.path("database_specific"), "severity").flatMap(Severity::ofDatabaseLabel);
  }

  private Optional<Version> version(String v) {
    return versions.computeIfAbsent(v, Version::tryParse);
  }

  private static Optional<String> text(JsonNode parent, String key) {
    JsonNode n = parent.get(key);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isValueNode()) {
      throw new Malformed(key + " is not a string");
    }
    return Optional.of(n.asText());
  }

  private static List<String> strings(JsonNode n, String key) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new Malformed(key + " is not a list");
    }
    var out = new ArrayList<String>(n.size());
    for (JsonNode s : n) {
      if (!s.isValueNode() || s.isNull()) {
        throw new Malformed(key + " holds a non-string");
      }
      out.add(s.asText());
    }
    return out;
  }

  /** An RFC 3339 time, with or without fractions (nanoseconds occur in MAL records). */
  private static Instant time(String t, String key) {
    try {
      return OffsetDateTime.parse(t.strip().toUpperCase(Locale.ROOT).replace(' ', 'T')).toInstant();
    } catch (DateTimeParseException e) {
      throw new Malformed(key + ": \"" + t + "\" is not an RFC 3339 time");
    }
  }

  /** A record that does not follow the OSV schema. */
  private static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
