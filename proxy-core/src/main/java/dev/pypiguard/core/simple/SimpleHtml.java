package dev.pypiguard.core.simple;

import dev.pypiguard.core.project.ProjectName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * The PEP 503 HTML codec for simple-API pages ({@code text/html} and {@code
 * application/vnd.pypi.simple.v1+html}), with the {@code data-*} attributes and {@code <meta>} tags
 * of PEPs 592, 629, 658/714, 740 and 792.
 *
 * <p>Reading uses jsoup's HTML5 parser, which never fails: what it cannot use it skips. An anchor
 * is skipped when its {@code href} does not resolve (against the page URL and any {@code <base
 * href>}) to an http(s) URL, or when its file name is not a plain file name. Only a fragment of the
 * form {@code <algo>=<hex>} becomes a hash and is removed from the stored URL; other fragments
 * stay. HTML cannot carry PEP 700 size, upload time or versions, nor unknown keys, so those are
 * empty after reading and dropped when writing; PEP 708's {@code tracks} and {@code
 * alternate-locations} meta tags are read into, and written from, the page's JSON-form extra keys
 * of the same names.
 *
 * <p>Writing produces an HTML5 document shaped like PyPI's. PEP 503 allows one hash in the URL
 * fragment, and the {@code data-*-metadata} attributes carry one hash too; the strongest is
 * written, sha256 preferred because every installer understands it. Hashes whose algorithm pip does
 * not know, or whose value is not hex, are not written into a fragment.
 */
public final class SimpleHtml {
  /**
   * Algorithms in the order they are chosen for a fragment: sha256 first (PEP 503 recommends it and
   * it is what PyPI sends), then the stronger ones, then the weak ones pip still accepts.
   */
  private static final List<String> HASH_PREFERENCE =
      List.of("sha256", "sha512", "sha384", "sha224", "sha1", "md5");

  /** The algorithms hashlib guarantees (hashlib.algorithms_guaranteed). */
  private static final Set<String> HASHLIB_NAMES =
      Set.of(
          "md5",
          "sha1",
          "sha224",
          "sha256",
          "sha384",
          "sha512",
          "sha3_224",
          "sha3_256",
          "sha3_384",
          "sha3_512",
          "blake2b",
          "blake2s",
          "shake_128",
          "shake_256");

  private static final String DEFAULT_API_VERSION = "1.0";

  /** The PEP 708 page keys, the same in JSON (top-level arrays) and HTML ({@code pypi:} meta). */
  public static final List<String> PEP_708_KEYS = List.of("tracks", "alternate-locations");

  private SimpleHtml() {}

  /**
   * Reads a PEP 503 project page; {@code projectName} becomes the page's name because HTML does not
   * state it reliably.
   */
  public static ProjectPage parsePage(byte[] body, URI pageUrl, String projectName) {
    Document doc = parse(body, pageUrl);
    URI base = base(doc, pageUrl);
    var files = new ArrayList<FileEntry>();
    for (Element a : doc.select("a[href]")) {
      file(a, base).ifPresent(files::add);
    }
    Optional<ProjectStatus> status =
        metaContent(doc, "pypi:project-status")
            .map(s -> new ProjectStatus(s, metaContent(doc, "pypi:project-status-reason")));
    // PEP 708 §HTML: repeated <meta name="pypi:tracks"> and "pypi:alternate-locations" tags,
    // kept as the JSON form's top-level arrays so that both formats carry them.
    var extra = new java.util.LinkedHashMap<String, com.fasterxml.jackson.databind.JsonNode>();
    for (String key : PEP_708_KEYS) {
      List<String> urls = metaContents(doc, "pypi:" + key);
      if (!urls.isEmpty()) {
        var array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        urls.forEach(array::add);
        extra.put(key, array);
      }
    }
    return new ProjectPage(
        projectName, apiVersion(doc), Map.of(), files, Optional.empty(), status, extra);
  }

  /**
   * Reads a PEP 503 root index: the text of each anchor is a project name (falling back to the last
   * segment of its {@code href}).
   */
  public static ProjectIndex parseIndex(byte[] body) {
    Document doc = parse(body, URI.create("http://localhost/simple/"));
    var projects = new ArrayList<String>();
    for (Element a : doc.select("a")) {
      String name = a.text().strip();
      if (name.isEmpty()) {
        name = lastHrefSegment(a.attr("href"));
      }
      if (!name.isEmpty()) {
        projects.add(name);
      }
    }
    return new ProjectIndex(apiVersion(doc), Map.of(), projects, Map.of());
  }

  /**
   * Writes a project page as an HTML5 document in UTF-8. The repository version is what this codec
   * implements (PEP 629), never the upstream's: later versions add nothing mandatory to HTML, so it
   * is {@value SimpleJson#IMPLEMENTED_API_VERSION}.
   */
  public static byte[] render(ProjectPage page) {
    var out = new StringBuilder(256 + 300 * page.files().size());
    head(out, SimpleJson.IMPLEMENTED_API_VERSION);
    for (String key : PEP_708_KEYS) {
      com.fasterxml.jackson.databind.JsonNode urls = page.extra().get(key);
      if (urls != null && urls.isArray()) {
        urls.forEach(
            u -> {
              if (u.isTextual()) {
                meta(out, "pypi:" + key, u.textValue());
              }
            });
      }
    }
    page.projectStatus()
        .ifPresent(
            s -> {
              // PEP 792 §HTML: status and reason as <meta> tags.
              meta(out, "pypi:project-status", s.status());
              s.reason().ifPresent(r -> meta(out, "pypi:project-status-reason", r));
            });
    title(out, "Links for " + page.name());
    out.append("  </head>\n  <body>\n    <h1>Links for ")
        .append(escape(page.name()))
        .append("</h1>\n");
    for (FileEntry f : page.files()) {
      out.append("    <a href=\"").append(escape(href(f))).append('"');
      f.requiresPython().ifPresent(r -> attr(out, "data-requires-python", r));
      // PEP 592: an empty data-yanked means yanked without a reason.
      if (f.yanked().yanked()) {
        attr(out, "data-yanked", f.yanked().reason().orElse(""));
      }
      // PEP 714: the new name always, and the old one beside it with the same value, for
      // installers that only know PEP 658 (pip before 23.2).
      f.metadata()
          .ifPresent(
              m -> {
                attr(out, "data-core-metadata", metadataValue(m));
                attr(out, "data-dist-info-metadata", metadataValue(m));
              });
      f.gpgSig().ifPresent(g -> attr(out, "data-gpg-sig", g.toString()));
      f.provenance().ifPresent(p -> attr(out, "data-provenance", p));
      out.append('>').append(escape(f.filename())).append("</a><br>\n");
    }
    out.append("  </body>\n</html>\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes the root index as an HTML5 document in UTF-8, each project linked by its PEP 503
   * normalized name. Names that are not valid project names are left out: they cannot be linked
   * without the link meaning something else (for example {@code ..}).
   */
  public static byte[] render(ProjectIndex index) {
    var out = new StringBuilder(256 + 60 * index.projects().size());
    head(out, SimpleJson.IMPLEMENTED_API_VERSION);
    title(out, "Simple index");
    out.append("  </head>\n  <body>\n");
    for (String name : index.projects()) {
      if (ProjectName.parse(name).isPresent()) {
        out.append("    <a href=\"")
            .append(escape(ProjectName.normalize(name)))
            .append("/\">")
            .append(escape(name))
            .append("</a><br>\n");
      }
    }
    out.append("  </body>\n</html>\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Escapes text for HTML element content and for double- or single-quoted attribute values (HTML
   * §13.1.2.3 and §13.1.3 forbid a raw {@code <} and {@code &}; the quotes end a value).
   */
  public static String escape(String s) {
    var out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  // ---- reading -------------------------------------------------------------------------------

  private static Document parse(byte[] body, URI pageUrl) {
    try {
      // A null charset lets jsoup honour a BOM or <meta charset>, defaulting to UTF-8.
      return Jsoup.parse(new ByteArrayInputStream(body), null, pageUrl.toString());
    } catch (IOException e) {
      // Reading from a byte array cannot fail.
      throw new UncheckedIOException(e);
    }
  }

  /** The page URL, or the first {@code <base href>} resolved against it (HTML §4.2.3). */
  private static URI base(Document doc, URI pageUrl) {
    Element baseElement = doc.selectFirst("base[href]");
    if (baseElement == null) {
      return pageUrl;
    }
    return SimpleUrls.resolve(pageUrl, baseElement.attr("href")).orElse(pageUrl);
  }

  private static Optional<FileEntry> file(Element a, URI base) {
    Optional<URI> resolved = SimpleUrls.resolve(base, a.attr("href"));
    if (resolved.isEmpty()) {
      return Optional.empty();
    }
    URI uri = resolved.get();
    String url = uri.toString();
    Map<String, String> hashes = Map.of();
    // PEP 503: "The URL SHOULD include a hash in the form of a URL fragment ...
    // #<hashname>=<hashvalue>".
    Optional<Map.Entry<String, String>> hash = hashPair(uri.getRawFragment());
    if (hash.isPresent()) {
      hashes = Map.ofEntries(hash.get());
      url = url.substring(0, url.indexOf('#'));
    }
    String filename = a.text().strip();
    if (filename.isEmpty()) {
      filename = SimpleUrls.lastSegment(uri);
    }
    if (!SimpleUrls.safeFilename(filename)) {
      return Optional.empty();
    }
    return Optional.of(
        new FileEntry(
            filename,
            url,
            hashes,
            // PEP 503: the value is HTML-escaped; jsoup's attr() has already unescaped it.
            attribute(a, "data-requires-python"),
            yanked(a),
            OptionalLong.empty(),
            Optional.empty(),
            metadata(a, "data-core-metadata"),
            metadata(a, "data-dist-info-metadata"),
            gpgSig(a),
            attribute(a, "data-provenance")
                .map(p -> SimpleUrls.resolve(base, p).map(URI::toString).orElse(p)),
            Map.of()));
  }

  /** A fragment {@code algo=hex}, with the algorithm lower-cased; anything else is no hash. */
  private static Optional<Map.Entry<String, String>> hashPair(String fragment) {
    if (fragment == null) {
      return Optional.empty();
    }
    int eq = fragment.indexOf('=');
    if (eq <= 0) {
      return Optional.empty();
    }
    String algo = fragment.substring(0, eq).toLowerCase(Locale.ROOT);
    String value = fragment.substring(eq + 1);
    if (!isAlgorithmName(algo) || !SimpleUrls.isHex(value)) {
      return Optional.empty();
    }
    return Optional.of(Map.entry(algo, value.toLowerCase(Locale.ROOT)));
  }

  /**
   * Whether {@code s} names a hashlib algorithm (PEP 503: "the name of a hash function as in
   * hashlib"), so that a fragment such as {@code #egg=abc} is not mistaken for a hash.
   */
  private static boolean isAlgorithmName(String s) {
    return HASHLIB_NAMES.contains(s);
  }

  /** PEP 592: the attribute's presence means yanked, its value (if any) is the reason. */
  private static Yanked yanked(Element a) {
    if (!a.hasAttr("data-yanked")) {
      return Yanked.NO;
    }
    return Yanked.because(a.attr("data-yanked"));
  }

  /**
   * PEP 658/714: {@code true} or {@code <algo>=<hex>}. The attribute's presence means the metadata
   * exists; a value that is neither form still says so, without a hash. {@code false} is read as
   * absent, since some mirrors write it.
   */
  private static Optional<MetadataRef> metadata(Element a, String name) {
    if (!a.hasAttr(name)) {
      return Optional.empty();
    }
    String value = a.attr(name).strip();
    if (value.equalsIgnoreCase("false")) {
      return Optional.empty();
    }
    return Optional.of(
        hashPair(value)
            .map(e -> new MetadataRef(Map.ofEntries(e)))
            .orElseGet(MetadataRef::withoutHashes));
  }

  private static Optional<Boolean> gpgSig(Element a) {
    String value = a.attr("data-gpg-sig").strip().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> Optional.of(Boolean.TRUE);
      case "false" -> Optional.of(Boolean.FALSE);
      default -> Optional.empty();
    };
  }

  private static Optional<String> attribute(Element a, String name) {
    return a.hasAttr(name) ? Optional.of(a.attr(name)).filter(v -> !v.isEmpty()) : Optional.empty();
  }

  private static Optional<String> metaContent(Document doc, String name) {
    for (Element m : doc.select("meta[name]")) {
      if (m.attr("name").equalsIgnoreCase(name)) {
        return Optional.of(m.attr("content").strip()).filter(v -> !v.isEmpty());
      }
    }
    return Optional.empty();
  }

  private static List<String> metaContents(Document doc, String name) {
    var out = new ArrayList<String>();
    for (Element m : doc.select("meta[name]")) {
      String content = m.attr("content").strip();
      if (m.attr("name").equalsIgnoreCase(name) && !content.isEmpty()) {
        out.add(content);
      }
    }
    return out;
  }

  /** PEP 629: {@code <meta name="pypi:repository-version">}, 1.0 when missing. */
  private static String apiVersion(Document doc) {
    return metaContent(doc, "pypi:repository-version").orElse(DEFAULT_API_VERSION);
  }

  private static String lastHrefSegment(String href) {
    String path = href.strip();
    int cut = path.indexOf('#');
    path = cut >= 0 ? path.substring(0, cut) : path;
    cut = path.indexOf('?');
    path = cut >= 0 ? path.substring(0, cut) : path;
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(path.lastIndexOf('/', end - 1) + 1, end);
  }

  // ---- writing -------------------------------------------------------------------------------

  private static void head(StringBuilder out, String apiVersion) {
    out.append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n");
    // PEP 629: the API version as a <meta> tag.
    meta(out, "pypi:repository-version", apiVersion);
  }

  private static void title(StringBuilder out, String title) {
    out.append("    <title>").append(escape(title)).append("</title>\n");
  }

  private static void meta(StringBuilder out, String name, String content) {
    out.append("    <meta name=\"")
        .append(name)
        .append("\" content=\"")
        .append(escape(content))
        .append("\">\n");
  }

  private static void attr(StringBuilder out, String name, String value) {
    out.append(' ').append(name).append("=\"").append(escape(value)).append('"');
  }

  /** The file URL with its strongest hash as the fragment, replacing any other fragment. */
  private static String href(FileEntry f) {
    Optional<Map.Entry<String, String>> hash = strongest(f.hashes());
    if (hash.isEmpty()) {
      return f.url();
    }
    int cut = f.url().indexOf('#');
    String url = cut >= 0 ? f.url().substring(0, cut) : f.url();
    return url + "#" + hash.get().getKey() + "=" + hash.get().getValue();
  }

  private static String metadataValue(MetadataRef m) {
    return strongest(m.hashes()).map(e -> e.getKey() + "=" + e.getValue()).orElse("true");
  }

  private static Optional<Map.Entry<String, String>> strongest(Map<String, String> hashes) {
    for (String algo : HASH_PREFERENCE) {
      String value = hashes.get(algo);
      if (value != null && SimpleUrls.isHex(value)) {
        return Optional.of(Map.entry(algo, value));
      }
    }
    return Optional.empty();
  }
}
