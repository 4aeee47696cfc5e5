package dev.pypiguard.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile index at the page level (issue 13): it lists whatever a test tells it to, however odd
 * (file names of other projects, unknown suffixes, one name twice with two hashes, md5 only), swaps
 * a file's bytes under a name it listed before, answers provenance late, and plays an OSV API that
 * fails or hangs. Pages are PEP 691 JSON; files, core metadata and provenance are served from
 * memory. Loopback, port 0; {@link #close} stops it.
 *
 * <p>Unlike {@link TestUpstream}, which models an honest index with knobs, nothing here is derived:
 * each listed entry is exactly what the test wrote.
 */
public final class TamperingUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the OSV API double does with a {@code querybatch}. */
  public enum Osv {
    /** Answers: no advisory for anything. */
    ANSWER,
    /** Answers 503. */
    FAIL,
    /** Answers nothing for 30 s (longer than any wait of the proxy). */
    HANG
  }

  /**
   * One listed file: the name on the page, the bytes at its URL, the hashes the page claims.
   *
   * @param filename the name as listed
   * @param bytes what {@code /files/<filename>} answers
   * @param hashes what the page says (sha256 of the bytes unless the test says otherwise)
   * @param uploadTime PEP 700 upload time, if any
   * @param provenance a PEP 740 provenance document served at its URL, if any
   * @param metadata core metadata served at {@code <url>.metadata} and advertised with its sha256,
   *     if any
   */
  public record Entry(
      String filename,
      byte[] bytes,
      Map<String, String> hashes,
      Optional<Instant> uploadTime,
      Optional<String> provenance,
      Optional<byte[]> metadata) {
    /** An entry for {@code artifact} as an honest index lists it, with its core metadata. */
    public static Entry of(Artifact a) {
      return new Entry(
          a.filename(),
          a.bytes(),
          Map.of("sha256", a.sha256()),
          Optional.empty(),
          Optional.empty(),
          a.metadata().length == 0 ? Optional.empty() : Optional.of(a.metadata()));
    }

    /** {@code bytes} listed under {@code filename} with their true sha256. */
    public static Entry of(String filename, byte[] bytes) {
      return new Entry(
          filename,
          bytes,
          Map.of("sha256", Digests.sha256Hex(bytes)),
          Optional.empty(),
          Optional.empty(),
          Optional.empty());
    }

    public Entry named(String otherName) {
      return new Entry(otherName, bytes, hashes, uploadTime, provenance, metadata);
    }

    public Entry withHashes(Map<String, String> claimed) {
      return new Entry(filename, bytes, claimed, uploadTime, provenance, metadata);
    }

    public Entry withBytes(byte[] other) {
      return new Entry(
          filename,
          other,
          Map.of("sha256", Digests.sha256Hex(other)),
          uploadTime,
          provenance,
          metadata);
    }

    public Entry uploaded(Instant t) {
      return new Entry(filename, bytes, hashes, Optional.of(t), provenance, metadata);
    }

    public Entry withProvenance(String document) {
      return new Entry(filename, bytes, hashes, uploadTime, Optional.of(document), metadata);
    }

    public Entry withMetadata(byte[] coreMetadata) {
      return new Entry(filename, bytes, hashes, uploadTime, provenance, Optional.of(coreMetadata));
    }
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final String origin;
  private final Map<String, List<Entry>> pages = new ConcurrentHashMap<>();
  private final Map<String, Integer> requests = new ConcurrentHashMap<>();
  private volatile Duration provenanceDelay = Duration.ZERO;
  private volatile Osv osv = Osv.ANSWER;
  private volatile String osvHangsFor = "";
  private volatile int metadataFailure;
  private volatile boolean metadataWithoutHash;

  private TamperingUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    var n = new AtomicInteger();
    pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "tampering-upstream-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
    origin = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public static TamperingUpstream start() {
    try {
      return new TamperingUpstream();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The simple index URL: {@code http://127.0.0.1:PORT/simple/}. */
  public URI uri() {
    return URI.create(origin + "/simple/");
  }

  /** The OSV API double's base, for {@code --advisories osv-api:URL}. */
  public URI osvUri() {
    return URI.create(origin + "/osv");
  }

  /** Lists exactly {@code entries} on {@code project}'s page (normalized name), in this order. */
  public TamperingUpstream page(String project, Entry... entries) {
    pages.put(project, List.of(entries));
    return this;
  }

  /** Serves the same name with other bytes from now on, as a tampered mirror would. */
  public TamperingUpstream swap(String project, String filename, byte[] newBytes) {
    var out = new ArrayList<Entry>();
    for (Entry e : pages.getOrDefault(project, List.of())) {
      out.add(e.filename().equals(filename) ? e.withBytes(newBytes) : e);
    }
    pages.put(project, List.copyOf(out));
    return this;
  }

  /** Answers provenance requests only after {@code delay}. */
  public TamperingUpstream provenanceDelay(Duration delay) {
    this.provenanceDelay = delay;
    return this;
  }

  public TamperingUpstream osv(Osv mode) {
    this.osv = mode;
    return this;
  }

  /** Answers a batch that asks for {@code version} of any project as {@link Osv#HANG} does. */
  public TamperingUpstream osvHangsFor(String version) {
    this.osvHangsFor = version;
    return this;
  }

  /** How many requests a path got. */
  /**
   * Answers every {@code .metadata} request with {@code status} (an advertised core metadata file
   * the upstream fails to serve), or, with 0, serves them again.
   */
  public TamperingUpstream failMetadata(int status) {
    this.metadataFailure = status;
    return this;
  }

  /**
   * Advertises core metadata as PEP 714 {@code "core-metadata": true}, without its sha256, or, with
   * false, with it again.
   */
  public TamperingUpstream metadataWithoutHash(boolean on) {
    this.metadataWithoutHash = on;
    return this;
  }

  public int requests(String path) {
    return requests.getOrDefault(path, 0);
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      requests.merge(path, 1, Integer::sum);
      if (path.startsWith("/osv/")) {
        osv(ex);
      } else if (path.startsWith("/simple/")
          && path.endsWith("/")
          && path.length() > "/simple//".length()) {
        String project = path.substring("/simple/".length(), path.length() - 1);
        List<Entry> entries = pages.get(project);
        if (entries == null) {
          send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        } else {
          send(ex, 200, "application/vnd.pypi.simple.v1+json", pageJson(project, entries));
        }
      } else if (path.startsWith("/files/")) {
        file(ex, path.substring("/files/".length()));
      } else if (path.startsWith("/provenance/")) {
        Thread.sleep(provenanceDelay.toMillis());
        Optional<Entry> e = find(path.substring("/provenance/".length()));
        if (e.isPresent() && e.get().provenance().isPresent()) {
          send(
              ex,
              200,
              "application/vnd.pypi.integrity.v1+json",
              e.get().provenance().get().getBytes(StandardCharsets.UTF_8));
        } else {
          send(ex, 404, "text/plain", new byte[0]);
        }
      } else {
        send(ex, 404, "text/plain", new byte[0]);
      }
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void osv(HttpExchange ex) throws IOException, InterruptedException {
    byte[] raw = ex.getRequestBody().readAllBytes();
    var body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
    boolean hangs = osv == Osv.HANG;
    for (var q : body.path("queries")) {
      hangs |= !osvHangsFor.isEmpty() && q.path("version").asText().equals(osvHangsFor);
    }
    if (hangs) {
      Thread.sleep(30_000);
      send(ex, 503, "text/plain", new byte[0]);
      return;
    }
    if (osv == Osv.FAIL) {
      send(ex, 503, "text/plain", "injected".getBytes(StandardCharsets.UTF_8));
      return;
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode results = out.putArray("results");
    body.path("queries").forEach(q -> results.addObject());
    send(ex, 200, "application/json", JSON.writeValueAsBytes(out));
  }

  private Optional<Entry> find(String filename) {
    for (List<Entry> entries : pages.values()) {
      for (Entry e : entries) {
        if (e.filename().equals(filename)) {
          return Optional.of(e);
        }
      }
    }
    return Optional.empty();
  }

  private void file(HttpExchange ex, String name) throws IOException {
    boolean metadata = name.endsWith(".metadata");
    if (metadata && metadataFailure != 0) {
      send(ex, metadataFailure, "text/plain", "injected".getBytes(StandardCharsets.UTF_8));
      return;
    }
    Optional<Entry> e =
        find(metadata ? name.substring(0, name.length() - ".metadata".length()) : name);
    if (e.isEmpty() || (metadata && e.get().metadata().isEmpty())) {
      send(ex, 404, "text/plain", new byte[0]);
      return;
    }
    send(
        ex, 200, "application/octet-stream", metadata ? e.get().metadata().get() : e.get().bytes());
  }

  private byte[] pageJson(String project, List<Entry> entries) throws IOException {
    ObjectNode page = JSON.createObjectNode();
    page.putObject("meta").put("api-version", "1.1");
    page.put("name", project);
    ArrayNode files = page.putArray("files");
    for (Entry e : entries) {
      ObjectNode f = files.addObject();
      f.put("filename", e.filename());
      f.put("url", origin + "/files/" + e.filename());
      ObjectNode h = f.putObject("hashes");
      new LinkedHashMap<>(e.hashes()).forEach(h::put);
      e.uploadTime().ifPresent(t -> f.put("upload-time", t.toString()));
      e.provenance().ifPresent(p -> f.put("provenance", origin + "/provenance/" + e.filename()));
      if (e.metadata().isPresent() && metadataWithoutHash) {
        f.put("core-metadata", true);
      } else {
        e.metadata()
            .ifPresent(m -> f.putObject("core-metadata").put("sha256", Digests.sha256Hex(m)));
      }
      f.put("size", e.bytes().length);
    }
    return JSON.writeValueAsBytes(page);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
