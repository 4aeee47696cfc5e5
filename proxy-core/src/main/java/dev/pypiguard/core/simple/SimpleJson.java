package dev.pypiguard.core.simple;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The PEP 691 JSON codec for simple-API pages ({@code application/vnd.pypi.simple.v1+json}),
 * covering the fields added by PEPs 592, 658/714, 700, 740 and 792.
 *
 * <p>Reading is strict about types and lenient about absence:
 *
 * <ul>
 *   <li>Not JSON, a wrong type for a known key, a missing {@code name}, {@code files}, {@code
 *       filename}, {@code url} or {@code hashes}, an unusable URL (not http(s) after resolution) or
 *       an unsafe file name throws {@link MalformedPageException}. A page with one bad entry is
 *       rejected whole: serving the rest would hide a file from policy without a trace.
 *   <li>Duplicate keys are rejected: two parsers that pick different duplicates are a classic way
 *       to smuggle a file past a checker.
 *   <li>An optional key that is JSON {@code null} counts as absent (PyPI writes {@code
 *       "requires-python": null} and {@code "provenance": null}). A missing {@code meta} means
 *       api-version 1.0; a {@code project-status} without {@code status} means {@code active} (PEP
 *       792: "if no status is explicitly noted ... active").
 *   <li>Unknown keys of the page, {@code meta} and each file are kept as {@code extra}/{@code meta}
 *       and written back unchanged. Unknown keys inside {@code project-status} and inside each
 *       {@code projects[]} entry of the index have no home in the model and are dropped.
 *   <li>PyPI also writes the misnamed {@code data-dist-info-metadata} key; it is read as the
 *       metadata reference when neither {@code core-metadata} nor {@code dist-info-metadata} is
 *       there (an upstream with only that key still gets metadata out).
 * </ul>
 *
 * <p>Writing uses a fixed key order (meta, name, project-status, versions, files, then unknown
 * keys; within a file: filename, url, hashes, requires-python, core-metadata, gpg-sig, yanked,
 * size, upload-time, provenance, then unknown keys). Absent optional values are omitted rather than
 * written as {@code null}; PEP 691 treats the two alike. {@code yanked} is always written ({@code
 * false}, {@code true} or the reason), as PyPI does, because it is the one flag a client must never
 * miss. An unknown key that collides with a known key is not written: the model's field wins.
 */
public final class SimpleJson {
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final String API_VERSION = "api-version";
  private static final String DEFAULT_API_VERSION = "1.0";
  private static final Set<String> META_KEYS = Set.of(API_VERSION);
  private static final Set<String> PAGE_KEYS =
      Set.of("meta", "name", "files", "versions", "project-status");
  private static final Set<String> INDEX_KEYS = Set.of("meta", "projects");

  /**
   * PyPI's misnamed PEP 658 key (PEP 714 §Motivation), read as the metadata reference when neither
   * proper key is there, and never written.
   */
  private static final String LEGACY_PYPI_METADATA = "data-dist-info-metadata";

  private static final Set<String> FILE_KEYS =
      Set.of(
          "filename",
          "url",
          "hashes",
          "requires-python",
          "core-metadata",
          "dist-info-metadata",
          LEGACY_PYPI_METADATA,
          "gpg-sig",
          "yanked",
          "size",
          "upload-time",
          "provenance");

  /**
   * The highest simple-API version this codec writes in full (PEP 629): 1.1 PEP 700 {@code
   * versions}/{@code size}, 1.2 PEP 708 {@code tracks}/{@code alternate-locations}, 1.3 PEP 740
   * {@code provenance}, 1.4 PEP 792 {@code project-status}. See {@link #render(ProjectPage)}.
   */
  public static final String IMPLEMENTED_API_VERSION = "1.4";

  private SimpleJson() {}

  /**
   * Reads a PEP 691 project page, resolving relative file URLs against {@code pageUrl}.
   *
   * @throws MalformedPageException when the page is not a valid PEP 691 project page
   */
  public static ProjectPage parsePage(byte[] body, URI pageUrl) {
    ObjectNode root = object(read(body), "$");
    String apiVersion = apiVersion(root);
    Map<String, JsonNode> meta = unknown(root.get("meta"), META_KEYS);
    String name = requiredString(root, "name", "");
    JsonNode filesNode = required(root, "files", "");
    if (!filesNode.isArray()) {
      throw new MalformedPageException("files", "expected an array");
    }
    var files = new ArrayList<FileEntry>(filesNode.size());
    for (int i = 0; i < filesNode.size(); i++) {
      files.add(file(filesNode.get(i), "files[" + i + "]", pageUrl));
    }
    Optional<List<String>> versions = optionalStrings(root.get("versions"), "versions");
    Optional<ProjectStatus> status = projectStatus(root.get("project-status"));
    return new ProjectPage(
        name, apiVersion, meta, files, versions, status, unknown(root, PAGE_KEYS));
  }

  /**
   * Reads a PEP 691 root index ({@code /simple/}).
   *
   * @throws MalformedPageException when the body is not a valid PEP 691 index
   */
  public static ProjectIndex parseIndex(byte[] body) {
    ObjectNode root = object(read(body), "$");
    String apiVersion = apiVersion(root);
    Map<String, JsonNode> meta = unknown(root.get("meta"), META_KEYS);
    JsonNode projectsNode = required(root, "projects", "");
    if (!projectsNode.isArray()) {
      throw new MalformedPageException("projects", "expected an array");
    }
    var projects = new ArrayList<String>(projectsNode.size());
    for (int i = 0; i < projectsNode.size(); i++) {
      String where = "projects[" + i + "]";
      projects.add(requiredString(object(projectsNode.get(i), where), "name", where));
    }
    return new ProjectIndex(apiVersion, meta, projects, unknown(root, INDEX_KEYS));
  }

  /**
   * Writes a project page as PEP 691 JSON (UTF-8), in the key order described above.
   *
   * <p>{@code meta.api-version} says what this response implements, never the upstream's number (an
   * upstream's 2.0 copied through would make clients refuse a page we wrote): {@value
   * #IMPLEMENTED_API_VERSION} when the page has {@code versions} and every file its {@code size}
   * (PEP 700 makes both mandatory from 1.1 on), 1.0 otherwise. The keys of later versions are
   * optional, so a 1.0 page may still carry them; 1.0 clients ignore what they do not know.
   */
  public static byte[] render(ProjectPage page) {
    ObjectNode root = NODES.objectNode();
    root.set("meta", meta(apiVersionOf(page), page.meta()));
    root.put("name", page.name());
    page.projectStatus()
        .ifPresent(
            s -> {
              ObjectNode status = root.putObject("project-status");
              status.put("status", s.status());
              s.reason().ifPresent(r -> status.put("reason", r));
            });
    page.versions()
        .ifPresent(
            vs -> {
              ArrayNode versions = root.putArray("versions");
              vs.forEach(versions::add);
            });
    ArrayNode files = root.putArray("files");
    page.files().forEach(f -> files.add(file(f)));
    putUnknown(root, page.extra(), PAGE_KEYS);
    return write(root);
  }

  /** The api-version a rendered page claims (see {@link #render(ProjectPage)}). */
  public static String apiVersionOf(ProjectPage page) {
    boolean complete =
        page.versions().isPresent() && page.files().stream().allMatch(f -> f.size().isPresent());
    return complete ? IMPLEMENTED_API_VERSION : DEFAULT_API_VERSION;
  }

  /**
   * Writes the root index as PEP 691 JSON (UTF-8): meta, projects, then unknown keys. No API
   * version after 1.0 adds a mandatory key to the index, so it claims {@value
   * #IMPLEMENTED_API_VERSION}.
   */
  public static byte[] render(ProjectIndex index) {
    ObjectNode root = NODES.objectNode();
    root.set("meta", meta(IMPLEMENTED_API_VERSION, index.meta()));
    ArrayNode projects = root.putArray("projects");
    index.projects().forEach(p -> projects.addObject().put("name", p));
    putUnknown(root, index.extra(), INDEX_KEYS);
    return write(root);
  }

  // ---- reading -------------------------------------------------------------------------------

  private static JsonNode read(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new MalformedPageException("$", "empty body, expected a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      throw new MalformedPageException(
          "body is not valid JSON: " + e.getOriginalMessage() + location(e), e);
    } catch (IOException e) {
      // Not JacksonException: bytes Jackson took for UTF-16/32 and could not decode (found by
      // SimpleJsonFuzzTest). A page is JSON text in UTF-8 (RFC 8259 §8.1) or malformed.
      throw new MalformedPageException("body is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String location(JacksonException e) {
    var loc = e.getLocation();
    return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private static FileEntry file(JsonNode node, String where, URI pageUrl) {
    ObjectNode f = object(node, where);
    String filename = requiredString(f, "filename", where);
    if (!SimpleUrls.safeFilename(filename)) {
      throw new MalformedPageException(
          where + ".filename", "not a plain file name: \"" + filename + "\"");
    }
    String rawUrl = requiredString(f, "url", where);
    // PEP 691 §Project Detail: "url: The URL that the file can be fetched from", which may be
    // relative to the page, as in PEP 503.
    String url =
        SimpleUrls.resolve(pageUrl, rawUrl)
            .map(URI::toString)
            .orElseThrow(
                () ->
                    new MalformedPageException(
                        where + ".url", "not an http(s) URL: \"" + rawUrl + "\""));
    Map<String, String> hashes = strings(required(f, "hashes", where), where + ".hashes");
    return new FileEntry(
        filename,
        url,
        hashes,
        optionalString(f.get("requires-python"), where + ".requires-python"),
        yanked(f.get("yanked"), where + ".yanked"),
        size(f.get("size"), where + ".size"),
        optionalString(f.get("upload-time"), where + ".upload-time"),
        metadata(f.get("core-metadata"), where + ".core-metadata"),
        metadata(f.get("dist-info-metadata"), where + ".dist-info-metadata")
            .or(() -> metadata(f.get(LEGACY_PYPI_METADATA), where + "." + LEGACY_PYPI_METADATA)),
        optionalBoolean(f.get("gpg-sig"), where + ".gpg-sig"),
        // PEP 740 gives an absolute URL; a relative one (a static mirror) is read against the page.
        optionalString(f.get("provenance"), where + ".provenance")
            .map(p -> SimpleUrls.resolve(pageUrl, p).map(URI::toString).orElse(p)),
        unknown(f, FILE_KEYS));
  }

  private static String apiVersion(ObjectNode root) {
    JsonNode meta = root.get("meta");
    if (absent(meta)) {
      return DEFAULT_API_VERSION;
    }
    return optionalString(object(meta, "meta").get(API_VERSION), "meta." + API_VERSION)
        .orElse(DEFAULT_API_VERSION);
  }

  /** PEP 592 as carried by PEP 691: {@code false}, {@code true} or a reason string. */
  private static Yanked yanked(JsonNode node, String where) {
    if (absent(node)) {
      return Yanked.NO;
    }
    if (node.isBoolean()) {
      return node.booleanValue() ? new Yanked(true, Optional.empty()) : Yanked.NO;
    }
    if (node.isTextual()) {
      return Yanked.because(node.textValue());
    }
    throw new MalformedPageException(where, "expected a boolean or a string");
  }

  /** PEP 658/714: {@code false}/absent, {@code true}, or a hash object. */
  private static Optional<MetadataRef> metadata(JsonNode node, String where) {
    if (absent(node) || (node.isBoolean() && !node.booleanValue())) {
      return Optional.empty();
    }
    if (node.isBoolean()) {
      return Optional.of(MetadataRef.withoutHashes());
    }
    if (node.isObject()) {
      var hashes = new LinkedHashMap<String, String>();
      strings(node, where)
          .forEach((k, v) -> hashes.put(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT)));
      return Optional.of(new MetadataRef(hashes));
    }
    throw new MalformedPageException(where, "expected a boolean or an object");
  }

  /** PEP 700: a non-negative integer. */
  private static OptionalLong size(JsonNode node, String where) {
    if (absent(node)) {
      return OptionalLong.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
      throw new MalformedPageException(where, "expected a non-negative integer");
    }
    return OptionalLong.of(node.longValue());
  }

  /** PEP 792: {@code {"status": "...", "reason": "..."}}, status defaulting to active. */
  private static Optional<ProjectStatus> projectStatus(JsonNode node) {
    if (absent(node)) {
      return Optional.empty();
    }
    ObjectNode o = object(node, "project-status");
    String status = optionalString(o.get("status"), "project-status.status").orElse("active");
    return Optional.of(
        new ProjectStatus(status, optionalString(o.get("reason"), "project-status.reason")));
  }

  private static Optional<List<String>> optionalStrings(JsonNode node, String where) {
    if (absent(node)) {
      return Optional.empty();
    }
    if (!node.isArray()) {
      throw new MalformedPageException(where, "expected an array of strings");
    }
    var out = new ArrayList<String>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual()) {
        throw new MalformedPageException(where + "[" + i + "]", "expected a string");
      }
      out.add(item.textValue());
    }
    return Optional.of(out);
  }

  private static Map<String, String> strings(JsonNode node, String where) {
    ObjectNode o = object(node, where);
    var out = new LinkedHashMap<String, String>();
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (!e.getValue().isTextual()) {
        throw new MalformedPageException(where + "." + e.getKey(), "expected a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  private static Map<String, JsonNode> unknown(JsonNode node, Set<String> known) {
    var out = new LinkedHashMap<String, JsonNode>();
    if (node != null && node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (!known.contains(e.getKey())) {
          out.put(e.getKey(), e.getValue());
        }
      }
    }
    return out;
  }

  private static ObjectNode object(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new MalformedPageException(where, "expected an object");
    }
    return (ObjectNode) node;
  }

  private static JsonNode required(ObjectNode parent, String key, String where) {
    JsonNode node = parent.get(key);
    if (node == null) {
      throw new MalformedPageException(path(where, key), "missing");
    }
    return node;
  }

  private static String requiredString(ObjectNode parent, String key, String where) {
    JsonNode node = required(parent, key, where);
    if (!node.isTextual()) {
      throw new MalformedPageException(path(where, key), "expected a string");
    }
    return node.textValue();
  }

  private static Optional<String> optionalString(JsonNode node, String where) {
    if (absent(node)) {
      return Optional.empty();
    }
    if (!node.isTextual()) {
      throw new MalformedPageException(where, "expected a string");
    }
    return Optional.of(node.textValue());
  }

  private static Optional<Boolean> optionalBoolean(JsonNode node, String where) {
    if (absent(node)) {
      return Optional.empty();
    }
    if (!node.isBoolean()) {
      throw new MalformedPageException(where, "expected a boolean");
    }
    return Optional.of(node.booleanValue());
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull();
  }

  private static String path(String where, String key) {
    return where.isEmpty() ? key : where + "." + key;
  }

  // ---- writing -------------------------------------------------------------------------------

  private static ObjectNode meta(String apiVersion, Map<String, JsonNode> unknown) {
    ObjectNode meta = NODES.objectNode();
    meta.put(API_VERSION, apiVersion);
    putUnknown(meta, unknown, META_KEYS);
    return meta;
  }

  private static ObjectNode file(FileEntry f) {
    ObjectNode o = NODES.objectNode();
    o.put("filename", f.filename());
    o.put("url", f.url());
    ObjectNode hashes = o.putObject("hashes");
    f.hashes().forEach(hashes::put);
    f.requiresPython().ifPresent(r -> o.put("requires-python", r));
    // PEP 714: only the new name. pip 22.3 to 23.1 read "dist-info-metadata" as a string and
    // crash on the hash object ("unhashable type: 'dict'"), so the old key is never written.
    f.metadata().ifPresent(m -> o.set("core-metadata", metadata(m)));
    f.gpgSig().ifPresent(g -> o.put("gpg-sig", g.booleanValue()));
    Yanked y = f.yanked();
    if (y.reason().isPresent()) {
      o.put("yanked", y.reason().get());
    } else {
      o.put("yanked", y.yanked());
    }
    f.size().ifPresent(s -> o.put("size", s));
    f.uploadTime().ifPresent(t -> o.put("upload-time", t));
    f.provenance().ifPresent(p -> o.put("provenance", p));
    putUnknown(o, f.extra(), FILE_KEYS);
    return o;
  }

  private static JsonNode metadata(MetadataRef m) {
    if (m.hashes().isEmpty()) {
      return NODES.booleanNode(true);
    }
    ObjectNode o = NODES.objectNode();
    // MetadataRef keeps no order; sort so that output is stable.
    m.hashes().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> o.put(e.getKey(), e.getValue()));
    return o;
  }

  private static void putUnknown(
      ObjectNode target, Map<String, JsonNode> unknown, Set<String> known) {
    unknown.forEach(
        (k, v) -> {
          if (!known.contains(k) && !target.has(k)) {
            target.set(k, v);
          }
        });
  }

  private static byte[] write(ObjectNode root) {
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      // A tree of plain nodes always serializes; this would be a Jackson bug.
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }
}
