package dev.pypiguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process PyPI-like package index on 127.0.0.1, for integration and end-to-end tests.
 *
 * <p>It serves the simple repository API (PEP 503 HTML, PEP 691 JSON with content negotiation, PEP
 * 700 {@code versions}/{@code size}/{@code upload-time}, PEP 658/714 core metadata, PEP 592
 * yanking, PEP 740 provenance, PEP 792 project status) and the files themselves, and it has
 * thread-safe knobs to inject faults (delays, error statuses, corrupt, truncated or throttled
 * bodies, malformed pages). It records every request it receives.
 *
 * <pre>{@code
 * try (TestUpstream up = TestUpstream.start()) {
 *   up.publish(WheelBuilder.of("alpha", "1.0").build());
 *   URI index = up.uri(); // http://127.0.0.1:PORT/simple/
 * }
 * }</pre>
 *
 * <p>Layout: {@code /simple/}, {@code /simple/<normalized>/}, {@code /files/<filename>}, {@code
 * /files/<filename>.metadata}, {@code /integrity/<project>/<version>/<filename>/provenance}.
 */
public final class TestUpstream implements AutoCloseable {

  /** How project pages are served. */
  public enum Mode {
    /** PEP 691 JSON when the client asks for it by {@code Accept}, HTML otherwise. */
    JSON_AND_HTML,
    /** Always {@code text/html} with absolute file URLs, like a pre-PEP 691 index. */
    HTML_ONLY,
    /**
     * Like a static directory tree served by a plain web server: always HTML, relative links
     * ({@code ../../files/<filename>#sha256=<hex>}), no redirect for non-normalized names (404).
     */
    STATIC_RELATIVE
  }

  /**
   * One request received by the upstream.
   *
   * @param method the HTTP method
   * @param path the decoded request path
   * @param headers the request headers, case-insensitive keys
   */
  public record RecordedRequest(String method, String path, Map<String, List<String>> headers) {}

  /** PEP 691 JSON media type, version 1. */
  public static final String JSON_V1 = "application/vnd.pypi.simple.v1+json";

  /** PEP 691 HTML media type, version 1. */
  public static final String HTML_V1 = "application/vnd.pypi.simple.v1+html";

  private static final String TEXT_HTML = "text/html";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private record Published(Artifact artifact, FileOptions options) {}

  private record Status(String status, String reason) {}

  private record Throttle(int bytesPerChunk, Duration pause) {}

  private final HttpServer server;
  private final ExecutorService pool;
  private final String origin;
  private volatile Mode mode;
  private volatile String apiVersion = "1.1";
  private volatile boolean legacyMetadataNames;
  private volatile boolean ranges;
  private final Map<String, byte[]> rangeBodies = new ConcurrentHashMap<>();
  private volatile String requiredAuthorization;
  private volatile String fileOrigin;
  private volatile String redirectFilesTo;

  // Catalog: guarded by "this"; pages are rendered from a consistent view.
  private final Map<String, String> displayNames = new TreeMap<>();
  private final Map<String, Map<String, Published>> projects = new TreeMap<>();
  private final Map<String, Published> files = new LinkedHashMap<>();
  private final Map<String, Status> statuses = new LinkedHashMap<>();
  private final Map<String, Map<String, JsonNode>> extraJson = new LinkedHashMap<>();

  // Knobs: concurrent so that tests can turn them while requests are in flight.
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final Set<String> corrupted = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> truncations = new ConcurrentHashMap<>();
  private final Map<String, Throttle> throttles = new ConcurrentHashMap<>();
  private final Set<String> malformed = ConcurrentHashMap.newKeySet();

  private final List<RecordedRequest> log = Collections.synchronizedList(new ArrayList<>());

  private TestUpstream(Mode mode, javax.net.ssl.SSLContext tls) throws IOException {
    this.mode = Objects.requireNonNull(mode);
    var address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      server = HttpServer.create(address, 64);
    } else {
      var https = com.sun.net.httpserver.HttpsServer.create(address, 64);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      server = https;
    }
    AtomicInteger n = new AtomicInteger();
    pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "test-upstream-" + n.incrementAndGet());
              t.setDaemon(true); // a forgotten close() must not keep the test JVM alive
              return t;
            });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
    origin = (tls == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Starts an upstream in {@link Mode#JSON_AND_HTML} on a free port. */
  public static TestUpstream start() {
    return start(Mode.JSON_AND_HTML);
  }

  /** Starts an upstream in {@code mode} on a free port. */
  public static TestUpstream start(Mode mode) {
    try {
      return new TestUpstream(mode, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts an https upstream on a free port, serving with {@code tls}. */
  public static TestUpstream startTls(javax.net.ssl.SSLContext tls) {
    try {
      return new TestUpstream(Mode.JSON_AND_HTML, tls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Answers 401 to every request whose {@code Authorization} header is not {@code expected}, as a
   * private index does; null serves everyone again.
   */
  public TestUpstream requireAuthorization(String expected) {
    requiredAuthorization = expected;
    return this;
  }

  /** The simple index URL, {@code http://127.0.0.1:PORT/simple/}; pass it to pip or the proxy. */
  public URI uri() {
    return URI.create(origin + "/simple/");
  }

  /** The server root, {@code http://127.0.0.1:PORT/}. */
  public URI baseUri() {
    return URI.create(origin + "/");
  }

  /** The absolute URL of a published file. */
  public URI fileUri(String filename) {
    String o = fileOrigin;
    return URI.create((o == null ? origin : o) + "/files/" + encode(filename));
  }

  /**
   * Answers every {@code /files/...} request with a 302 to the same path on {@code otherOrigin}
   * ({@code http://host:port}), as an index that keeps its files on a CDN does; null stops.
   */
  public TestUpstream redirectFiles(String otherOrigin) {
    redirectFilesTo = otherOrigin;
    return this;
  }

  /**
   * Makes pages point files at another server ({@code https://host:port}), as a crafted page would
   * to make a proxy fetch from a host of the attacker's choosing; null restores.
   */
  public TestUpstream fileOrigin(String otherOrigin) {
    fileOrigin = otherOrigin;
    return this;
  }

  /** The absolute URL of a project page ({@code name} is normalized). */
  public URI projectUri(String project) {
    return URI.create(origin + "/simple/" + Names.normalize(project) + "/");
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The current page mode. */
  public Mode mode() {
    return mode;
  }

  /** Switches the page mode; takes effect for the next request. */
  public TestUpstream mode(Mode newMode) {
    this.mode = Objects.requireNonNull(newMode);
    return this;
  }

  /**
   * Sets the declared repository API version (default {@code 1.1}, the PEP 700 level). Projects
   * with a status declare at least {@code 1.4}, the version PEP 792 introduced.
   */
  public TestUpstream apiVersion(String version) {
    this.apiVersion = Objects.requireNonNull(version);
    return this;
  }

  /**
   * Advertises core metadata only under its pre-PEP 714 names, as indexes did before mid-2023:
   * {@code data-dist-info-metadata} in HTML, and PyPI's misnamed {@code data-dist-info-metadata}
   * key in JSON.
   */
  public TestUpstream legacyMetadataNames(boolean legacy) {
    this.legacyMetadataNames = legacy;
    return this;
  }

  /**
   * Answers single byte ranges of files ({@code Range: bytes=a-b}, {@code bytes=-n}) with 206, as
   * PyPI's CDN does; off (the default), a Range header is ignored and the whole file sent.
   */
  public TestUpstream serveRanges(boolean on) {
    this.ranges = on;
    return this;
  }

  /**
   * Answers range requests for {@code filename} from {@code bytes} (a lying server); whole GETs
   * stay true.
   */
  public TestUpstream rangeBody(String filename, byte[] bytes) {
    rangeBodies.put(filename, bytes);
    return this;
  }

  /** Requests for {@code path} that carried a Range header. */
  public int rangeRequests(String path) {
    synchronized (log) {
      return (int)
          log.stream()
              .filter(r -> r.path().equals(path) && r.headers().containsKey("range"))
              .count();
    }
  }

  /** Stops the server: the port is freed and later connections are refused. */
  public void stop() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  // ---------------------------------------------------------------- catalog

  /** Publishes {@code artifact} with {@link FileOptions#defaults()}. */
  public TestUpstream publish(Artifact artifact) {
    return publish(artifact, FileOptions.defaults());
  }

  /** Publishes {@code artifact} described by {@code options}; replaces a file of the same name. */
  public synchronized TestUpstream publish(Artifact artifact, FileOptions options) {
    String norm = artifact.normalizedProject();
    displayNames.putIfAbsent(norm, artifact.project());
    Published p = new Published(artifact, options);
    projects.computeIfAbsent(norm, k -> new LinkedHashMap<>()).put(artifact.filename(), p);
    files.put(artifact.filename(), p);
    return this;
  }

  /** Publishes several artifacts with default options. */
  public TestUpstream publishAll(Artifact... artifacts) {
    for (Artifact a : artifacts) {
      publish(a);
    }
    return this;
  }

  /** Removes a file from its project page and from {@code /files/}. */
  public synchronized TestUpstream unpublish(String filename) {
    Published p = files.remove(filename);
    if (p != null) {
      projects.get(p.artifact().normalizedProject()).remove(filename);
    }
    return this;
  }

  /**
   * Sets the PEP 792 project status ({@code active}, {@code archived}, ...); reason may be null.
   */
  public synchronized TestUpstream projectStatus(String project, String status, String reason) {
    statuses.put(Names.normalize(project), new Status(status, reason));
    return this;
  }

  /** Adds an unknown top-level key to the project's JSON page, for pass-through tests. */
  public synchronized TestUpstream extraJson(String project, String key, JsonNode value) {
    extraJson.computeIfAbsent(Names.normalize(project), k -> new LinkedHashMap<>()).put(key, value);
    return this;
  }

  // ---------------------------------------------------------------- knobs

  /** Waits {@code delay} before answering any request whose path starts with {@code prefix}. */
  public TestUpstream delay(String pathPrefix, Duration delay) {
    delays.put(pathPrefix, delay);
    return this;
  }

  /** Answers requests whose path starts with {@code prefix} with {@code status} and no content. */
  public TestUpstream failWith(String pathPrefix, int status) {
    failures.put(pathPrefix, status);
    return this;
  }

  /** Serves different bytes of the same length for {@code filename}, so the hash mismatches. */
  public TestUpstream corrupt(String filename) {
    corrupted.add(filename);
    return this;
  }

  /**
   * Declares the full {@code Content-Length} for {@code filename}, sends only {@code bytesToSend}
   * bytes and closes the connection, like a peer dying mid-transfer.
   */
  public TestUpstream truncate(String filename, long bytesToSend) {
    truncations.put(filename, bytesToSend);
    return this;
  }

  /** Streams {@code filename} in chunks of {@code bytesPerChunk}, pausing after each one. */
  public TestUpstream throttle(String filename, int bytesPerChunk, Duration pausePerChunk) {
    if (bytesPerChunk <= 0) {
      throw new IllegalArgumentException("bytesPerChunk must be positive");
    }
    throttles.put(filename, new Throttle(bytesPerChunk, pausePerChunk));
    return this;
  }

  /** Serves syntactically broken JSON, with the PEP 691 JSON content type, for the project page. */
  public TestUpstream malformedPage(String project) {
    malformed.add(Names.normalize(project));
    return this;
  }

  /** Clears every knob; published files and the request log stay. */
  public TestUpstream resetKnobs() {
    delays.clear();
    failures.clear();
    corrupted.clear();
    truncations.clear();
    throttles.clear();
    malformed.clear();
    return this;
  }

  // ---------------------------------------------------------------- observation

  /** How many requests had exactly this path. */
  public int requests(String path) {
    synchronized (log) {
      return (int) log.stream().filter(r -> r.path().equals(path)).count();
    }
  }

  /** How many requests were received in total. */
  public int requestCount() {
    return log.size();
  }

  /** The headers of the last request to {@code path}; empty when there was none. */
  public Map<String, List<String>> lastHeaders(String path) {
    synchronized (log) {
      for (int i = log.size() - 1; i >= 0; i--) {
        if (log.get(i).path().equals(path)) {
          return log.get(i).headers();
        }
      }
    }
    return Map.of();
  }

  /** Every request path in arrival order. */
  public List<String> requestPaths() {
    synchronized (log) {
      return log.stream().map(RecordedRequest::path).toList();
    }
  }

  /** Every request in arrival order. */
  public List<RecordedRequest> requestLog() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** Forgets the recorded requests. */
  public TestUpstream clearRequests() {
    log.clear();
    return this;
  }

  // ---------------------------------------------------------------- serving

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      record(ex, path);
      Duration d = longestPrefix(delays, path);
      if (d != null) {
        Thread.sleep(d.toMillis());
      }
      String required = requiredAuthorization;
      if (required != null && !required.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"test\"");
        sendText(ex, 401, "unauthorized");
        return;
      }
      Integer failure = longestPrefix(failures, path);
      if (failure != null) {
        sendBytes(
            ex,
            failure,
            "text/plain; charset=utf-8",
            ("injected " + failure).getBytes(StandardCharsets.UTF_8),
            null);
        return;
      }
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        sendText(ex, 405, "method not allowed");
        return;
      }
      route(ex, path);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The client went away or a truncation closed the connection on purpose.
    }
  }

  private void record(HttpExchange ex, String path) {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
    log.add(new RecordedRequest(ex.getRequestMethod(), path, Collections.unmodifiableMap(headers)));
  }

  private static <T> T longestPrefix(Map<String, T> knobs, String path) {
    String best = null;
    for (String prefix : knobs.keySet()) {
      if (path.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    return best == null ? null : knobs.get(best);
  }

  private void route(HttpExchange ex, String path) throws IOException, InterruptedException {
    if (path.equals("/simple")) {
      redirect(ex, "/simple/");
    } else if (path.equals("/simple/")) {
      servePage(ex, null);
    } else if (path.startsWith("/simple/")) {
      String rest = path.substring("/simple/".length());
      boolean slash = rest.endsWith("/");
      String name = slash ? rest.substring(0, rest.length() - 1) : rest;
      String norm = Names.normalize(name);
      boolean known;
      synchronized (this) {
        known = projects.containsKey(norm);
      }
      if (name.isEmpty() || name.contains("/") || !known) {
        sendText(ex, 404, "not found");
      } else if (!name.equals(norm)) {
        if (mode == Mode.STATIC_RELATIVE) {
          sendText(ex, 404, "not found"); // a static tree only has the normalized directory
        } else {
          redirect(ex, "/simple/" + norm + "/"); // PyPI answers 301 to the PEP 503 name
        }
      } else if (!slash) {
        redirect(ex, "/simple/" + norm + "/");
      } else {
        servePage(ex, norm);
      }
    } else if (path.startsWith("/files/") && redirectFilesTo != null) {
      ex.getResponseHeaders().set("Location", redirectFilesTo + ex.getRequestURI().getRawPath());
      sendText(ex, 302, "found");
    } else if (path.startsWith("/files/")) {
      serveFile(ex, path.substring("/files/".length()));
    } else if (path.startsWith("/integrity/") && path.endsWith("/provenance")) {
      serveProvenance(ex, path);
    } else {
      sendText(ex, 404, "not found");
    }
  }

  private void redirect(HttpExchange ex, String target) throws IOException {
    ex.getResponseHeaders().set("Location", origin + target);
    sendText(ex, 301, "moved");
  }

  private enum Format {
    JSON(JSON_V1),
    HTML(HTML_V1),
    LEGACY_HTML(TEXT_HTML + "; charset=utf-8");

    final String contentType;

    Format(String contentType) {
      this.contentType = contentType;
    }
  }

  private void servePage(HttpExchange ex, String project) throws IOException {
    Mode m = mode;
    if (project != null && malformed.contains(project)) {
      byte[] garbage =
          "{\"meta\": {\"api-version\": \"1.1\"}, \"name\": [,}".getBytes(StandardCharsets.UTF_8);
      sendBytes(ex, 200, JSON_V1, garbage, etag(garbage));
      return;
    }
    Format format;
    if (m == Mode.JSON_AND_HTML) {
      format = negotiate(ex.getRequestHeaders().getFirst("Accept"));
      if (format == null) {
        sendText(
            ex,
            406,
            "no acceptable representation; offer: " + JSON_V1 + ", " + HTML_V1 + ", " + TEXT_HTML);
        return;
      }
      // PEP 691: responses vary by Accept, so caches (and proxies) must key on it.
      ex.getResponseHeaders().set("Vary", "Accept");
    } else {
      format = Format.LEGACY_HTML;
    }
    byte[] body;
    synchronized (this) {
      if (project == null) {
        body = format == Format.JSON ? indexJson() : indexHtml(m);
      } else {
        body = format == Format.JSON ? projectJson(project) : projectHtml(project, m);
      }
    }
    sendBytes(ex, 200, format.contentType, body, etag(body));
  }

  /**
   * PEP 691 server-driven content negotiation: the highest q wins; among equal q, the client's
   * order wins; wildcards alone select {@code text/html}, as does a missing header.
   */
  private static Format negotiate(String accept) {
    if (accept == null || accept.isBlank()) {
      return Format.LEGACY_HTML;
    }
    Format best = null;
    double bestQ = 0;
    boolean bestExact = false;
    for (String part : accept.split(",")) {
      String[] params = part.trim().split(";");
      String type = params[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < params.length; i++) {
        String p = params[i].trim();
        if (p.startsWith("q=")) {
          try {
            q = Double.parseDouble(p.substring(2).trim());
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      Format f;
      boolean exact = true;
      switch (type) {
        case JSON_V1, "application/vnd.pypi.simple.latest+json" -> f = Format.JSON;
        case HTML_V1, "application/vnd.pypi.simple.latest+html" -> f = Format.HTML;
        case TEXT_HTML -> f = Format.LEGACY_HTML;
        case "*/*", "text/*" -> {
          f = Format.LEGACY_HTML;
          exact = false;
        }
        default -> f = null;
      }
      if (f == null || q <= 0) {
        continue;
      }
      if (best == null || q > bestQ || (q == bestQ && exact && !bestExact)) {
        best = f;
        bestQ = q;
        bestExact = exact;
      }
    }
    return best;
  }

  private ObjectNode meta(String version) {
    ObjectNode meta = NODES.objectNode();
    meta.put("api-version", version);
    return meta;
  }

  private byte[] indexJson() throws IOException {
    ObjectNode root = NODES.objectNode();
    root.set("meta", meta(apiVersion));
    ArrayNode list = root.putArray("projects");
    displayNames.values().forEach(n -> list.addObject().put("name", n));
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  private byte[] indexHtml(Mode m) {
    StringBuilder sb = htmlHead(apiVersion, "Simple index", null);
    displayNames.forEach(
        (norm, display) -> {
          String href = m == Mode.STATIC_RELATIVE ? norm + "/" : "/simple/" + norm + "/";
          sb.append("    <a href=\"")
              .append(esc(href))
              .append("\">")
              .append(esc(display))
              .append("</a><br/>\n");
        });
    sb.append("  </body>\n</html>\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private String apiVersionFor(String project) {
    Status s = statuses.get(project);
    if (s != null && compareVersions(apiVersion, "1.4") < 0) {
      return "1.4";
    }
    return apiVersion;
  }

  private static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int xi = i < x.length ? Integer.parseInt(x[i]) : 0;
      int yi = i < y.length ? Integer.parseInt(y[i]) : 0;
      if (xi != yi) {
        return Integer.compare(xi, yi);
      }
    }
    return 0;
  }

  private byte[] projectJson(String project) throws IOException {
    ObjectNode root = NODES.objectNode();
    root.set("meta", meta(apiVersionFor(project)));
    root.put("name", project);
    Status status = statuses.get(project);
    if (status != null) {
      ObjectNode s = root.putObject("project-status");
      s.put("status", status.status());
      if (status.reason() != null) {
        s.put("reason", status.reason());
      }
    }
    ArrayNode fileList = root.putArray("files");
    Set<String> versions = new LinkedHashSet<>();
    for (Published p : projects.get(project).values()) {
      Artifact a = p.artifact();
      FileOptions o = p.options();
      versions.add(a.version());
      ObjectNode f = fileList.addObject();
      f.put("filename", a.filename());
      f.put("url", fileUri(a.filename()).toString());
      f.putObject("hashes").put("sha256", declaredHash(p));
      String rp = requiresPython(p);
      if (rp != null) {
        f.put("requires-python", rp);
      } else {
        f.putNull("requires-python");
      }
      // PEP 691: a reason string when there is one, otherwise a boolean.
      if (o.yankedReason() == null) {
        f.put("yanked", false);
      } else if (o.yankedReason().isEmpty()) {
        f.put("yanked", true);
      } else {
        f.put("yanked", o.yankedReason());
      }
      f.put("size", a.size()); // PEP 700
      f.put("upload-time", DateTimeFormatter.ISO_INSTANT.format(o.uploadTime())); // PEP 700
      if (metadataServed(p) && legacyMetadataNames) {
        f.set("data-dist-info-metadata", NODES.objectNode().put("sha256", a.metadataSha256()));
      } else if (metadataServed(p)) {
        // PEP 714 renamed dist-info-metadata to core-metadata; both are sent for old clients.
        ObjectNode hash = NODES.objectNode().put("sha256", a.metadataSha256());
        f.set("core-metadata", hash);
        f.set("dist-info-metadata", hash.deepCopy());
      } else {
        f.put("core-metadata", false);
        f.put("dist-info-metadata", false);
      }
      if (o.provenance() != null) {
        f.put("provenance", origin + provenancePath(a)); // PEP 740
      } else {
        f.putNull("provenance");
      }
      o.extraJson().forEach(f::set);
    }
    ArrayNode v = NODES.arrayNode();
    versions.forEach(v::add);
    root.set("versions", v); // PEP 700
    extraJson.getOrDefault(project, Map.of()).forEach(root::set);
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  private byte[] projectHtml(String project, Mode m) {
    Status status = statuses.get(project);
    StringBuilder sb = htmlHead(apiVersionFor(project), "Links for " + project, status);
    for (Published p : projects.get(project).values()) {
      Artifact a = p.artifact();
      FileOptions o = p.options();
      String base =
          m == Mode.STATIC_RELATIVE
              ? "../../files/" + encode(a.filename())
              : fileUri(a.filename()).toString();
      // PEP 503: the URL fragment carries the hash.
      sb.append("    <a href=\"").append(esc(base + "#sha256=" + declaredHash(p))).append('"');
      String rp = requiresPython(p);
      if (rp != null) {
        sb.append(" data-requires-python=\"").append(esc(rp)).append('"');
      }
      if (o.yankedReason() != null) {
        sb.append(" data-yanked=\"").append(esc(o.yankedReason())).append('"'); // PEP 592
      }
      if (metadataServed(p)) {
        String v = "sha256=" + a.metadataSha256();
        if (!legacyMetadataNames) {
          sb.append(" data-core-metadata=\"").append(v).append('"'); // PEP 714
        }
        sb.append(" data-dist-info-metadata=\"").append(v).append('"'); // PEP 658
      }
      if (o.provenance() != null) {
        String prov =
            m == Mode.STATIC_RELATIVE ? "../.." + provenancePath(a) : origin + provenancePath(a);
        sb.append(" data-provenance=\"").append(esc(prov)).append('"'); // PEP 740
      }
      sb.append('>').append(esc(a.filename())).append("</a><br/>\n");
    }
    sb.append("  </body>\n</html>\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static StringBuilder htmlHead(String version, String title, Status status) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html>\n  <head>\n");
    // PEP 629: the API version for HTML clients.
    sb.append("    <meta name=\"pypi:repository-version\" content=\"")
        .append(esc(version))
        .append("\">\n");
    if (status != null) {
      // PEP 792 project status markers.
      sb.append("    <meta name=\"pypi:project-status\" content=\"")
          .append(esc(status.status()))
          .append("\">\n");
      if (status.reason() != null) {
        sb.append("    <meta name=\"pypi:project-status-reason\" content=\"")
            .append(esc(status.reason()))
            .append("\">\n");
      }
    }
    sb.append("    <title>").append(esc(title)).append("</title>\n  </head>\n  <body>\n");
    sb.append("    <h1>").append(esc(title)).append("</h1>\n");
    return sb;
  }

  private static String declaredHash(Published p) {
    return p.options().hashOverride() != null ? p.options().hashOverride() : p.artifact().sha256();
  }

  private static String requiresPython(Published p) {
    String rp = p.options().requiresPython();
    return rp != null ? rp : p.artifact().requiresPython().orElse(null);
  }

  private static boolean metadataServed(Published p) {
    return p.options().coreMetadata() && p.artifact().hasMetadata();
  }

  private static String provenancePath(Artifact a) {
    return "/integrity/"
        + a.normalizedProject()
        + "/"
        + encode(a.version())
        + "/"
        + encode(a.filename())
        + "/provenance";
  }

  private void serveProvenance(HttpExchange ex, String path) throws IOException {
    String[] parts = path.split("/"); // "", integrity, project, version, filename, provenance
    Published p;
    synchronized (this) {
      p = parts.length == 6 ? files.get(parts[4]) : null;
    }
    if (p == null
        || p.options().provenance() == null
        || !p.artifact().normalizedProject().equals(parts[2])
        || !p.artifact().version().equals(parts[3])) {
      sendText(ex, 404, "not found");
      return;
    }
    byte[] body = p.options().provenance().getBytes(StandardCharsets.UTF_8);
    sendBytes(ex, 200, "application/vnd.pypi.integrity.v1+json", body, etag(body));
  }

  private void serveFile(HttpExchange ex, String name) throws IOException, InterruptedException {
    byte[] body;
    synchronized (this) {
      Published p = files.get(name);
      if (p != null) {
        body = p.artifact().bytes();
      } else if (name.endsWith(".metadata")) {
        Published base = files.get(name.substring(0, name.length() - ".metadata".length()));
        body = base != null && metadataServed(base) ? base.artifact().metadata() : null;
      } else {
        body = null;
      }
    }
    if (body == null) {
      sendText(ex, 404, "not found");
      return;
    }
    if (corrupted.contains(name) && body.length > 0) {
      body = body.clone();
      body[body.length / 2] ^= (byte) 0xFF; // same length, different hash
    }
    String etag = "\"" + Digests.sha256Hex(body) + "\"";
    Headers h = ex.getResponseHeaders();
    h.set("ETag", etag);
    h.set("Content-Type", "application/octet-stream");
    if (notModified(ex, etag)) {
      ex.sendResponseHeaders(304, -1);
      return;
    }
    if (ex.getRequestMethod().equals("HEAD")) {
      h.set("Content-Length", Long.toString(body.length));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    var rm =
        range == null
            ? null
            : java.util.regex.Pattern.compile("bytes=(\\d*)-(\\d*)").matcher(range.trim());
    if (ranges && rm != null && rm.matches() && !(rm.group(1).isEmpty() && rm.group(2).isEmpty())) {
      byte[] whole = rangeBodies.getOrDefault(name, body);
      long first;
      long last;
      if (rm.group(1).isEmpty()) {
        first = Math.max(0, whole.length - Long.parseLong(rm.group(2)));
        last = whole.length - 1;
      } else {
        first = Long.parseLong(rm.group(1));
        last =
            rm.group(2).isEmpty()
                ? whole.length - 1
                : Math.min(whole.length - 1, Long.parseLong(rm.group(2)));
      }
      if (first >= whole.length || first > last) {
        h.set("Content-Range", "bytes */" + whole.length);
        ex.sendResponseHeaders(416, -1);
        return;
      }
      h.set("Content-Range", "bytes " + first + "-" + last + "/" + whole.length);
      ex.sendResponseHeaders(206, last - first + 1);
      OutputStream out = ex.getResponseBody();
      out.write(whole, (int) first, (int) (last - first + 1));
      out.flush();
      return;
    }
    Long truncation = truncations.get(name);
    Throttle throttle = throttles.get(name);
    long limit = truncation == null ? body.length : Math.min(truncation, body.length);
    int chunk = throttle == null ? 64 * 1024 : throttle.bytesPerChunk();
    ex.sendResponseHeaders(200, body.length);
    OutputStream out = ex.getResponseBody();
    for (int off = 0; off < limit; ) {
      int n = (int) Math.min(chunk, limit - off);
      out.write(body, off, n);
      off += n;
      if (throttle != null) {
        out.flush(); // the point of throttling is that the client sees each chunk as it comes
        Thread.sleep(throttle.pause().toMillis());
      }
    }
    out.flush();
    // When truncated, closing with bytes still owed makes the JDK server drop the connection.
  }

  private static boolean notModified(HttpExchange ex, String etag) {
    List<String> values = ex.getRequestHeaders().get("If-None-Match");
    if (values == null) {
      return false;
    }
    for (String v : values) {
      for (String tag : v.split(",")) {
        String t = tag.trim();
        if (t.startsWith("W/")) {
          t = t.substring(2); // RFC 9110: If-None-Match uses weak comparison
        }
        if (t.equals("*") || t.equals(etag)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String etag(byte[] body) {
    return "\"" + HexFormat.of().formatHex(Digests.sha256().digest(body), 0, 16) + "\"";
  }

  private static void sendText(HttpExchange ex, int status, String text) throws IOException {
    sendBytes(ex, status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null);
  }

  private static void sendBytes(HttpExchange ex, int status, String type, byte[] body, String etag)
      throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", type);
    if (etag != null) {
      h.set("ETag", etag);
      if (status == 200 && notModified(ex, etag)) {
        ex.sendResponseHeaders(304, -1);
        return;
      }
    }
    if (ex.getRequestMethod().equals("HEAD")) {
      // The JDK server sends no Content-Length for HEAD by itself; set it as GET would.
      h.set("Content-Length", Long.toString(body.length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    ex.getResponseBody().write(body);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
