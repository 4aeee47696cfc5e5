package dev.pypiguard.policy.advisory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.project.ProjectName;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online look-ups against the OSV API ({@code POST /v1/querybatch}, then {@code GET /v1/vulns/{id}}
 * for the records), with answers kept in memory.
 *
 * <p>The judge is synchronous and must never wait on the network, so look-ups are split in two:
 * {@link #prefetch} asks the API in the background (at most {@value #BATCH} queries per request)
 * and returns a future, and {@link #known} answers at once from what earlier answers said. A query
 * nobody prefetched is queued by {@link #request} and sent with the others queued within {@link
 * #COALESCE}, so that judging a page sends one batch. Each new answer changes {@link
 * #generation()}, which re-judges pages cached without it. A caller that wants an answer before
 * judging (a CLI check, a first download) waits on {@code prefetch(...)} with its own time limit.
 *
 * <p>Answers are asked again after {@code ttl}. While the API is unreachable the last known answers
 * stay in use and {@link #status()} says so.
 */
public final class OsvApiSource implements AdvisorySource, AutoCloseable {
  /** OSV clients' customary batch size (the API documents no lower one). */
  static final int BATCH = 1000;

  static final Duration COALESCE = Duration.ofMillis(20);

  private static final Logger LOG = LoggerFactory.getLogger(OsvApiSource.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Duration timeout;
  private final Duration ttl;
  private final Clock clock;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Map<Query, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, Advisory> records = new ConcurrentHashMap<>();

  /**
   * Malicious records that affect every version of a project, by project: read on every request.
   */
  private final Map<String, Advisory> maliciousProjects = new ConcurrentHashMap<>();

  private final Set<Query> queued = ConcurrentHashMap.newKeySet();

  /** Queued queries whose batch has left and not yet come back: not queued again meanwhile. */
  private final Set<Query> inFlight = ConcurrentHashMap.newKeySet();

  private final AtomicLong revision = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicBoolean flushScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final AtomicReference<Status> status =
      new AtomicReference<>(new Status(true, Optional.empty(), Optional.empty()));

  /** A release to look up. */
  public record Query(ProjectName project, String version) {
    public Query {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(version, "version");
    }
  }

  /**
   * The state of the API as last seen.
   *
   * @param reachable whether the last exchange succeeded
   * @param lastError what went wrong last, if anything ever did
   * @param lastSuccess when an exchange last succeeded
   */
  public record Status(
      boolean reachable, Optional<String> lastError, Optional<Instant> lastSuccess) {
    public Status {
      Objects.requireNonNull(lastError, "lastError");
      Objects.requireNonNull(lastSuccess, "lastSuccess");
    }
  }

  private record Answer(List<String> ids, Instant asked) {}

  /** Look-ups against {@code base} over a client that {@code network} configures (proxy, trust). */
  public OsvApiSource(URI base, java.util.function.Consumer<HttpClient.Builder> network) {
    this(base, Duration.ofSeconds(10), Duration.ofHours(1), Clock.systemUTC(), network);
  }

  /**
   * Look-ups against {@code base} ({@code https://api.osv.dev}).
   *
   * @param timeout the time limit of each request, and of connecting
   * @param ttl how long an answer holds before it is asked again
   */
  public OsvApiSource(URI base, Duration timeout, Duration ttl, Clock clock) {
    this(base, timeout, ttl, clock, b -> {});
  }

  /**
   * As {@link #OsvApiSource(URI, Duration, Duration, Clock)}, over a client that {@code network}
   * configures: the egress proxy and trusted CAs the upstreams use.
   */
  public OsvApiSource(
      URI base,
      Duration timeout,
      Duration ttl,
      Clock clock,
      java.util.function.Consumer<HttpClient.Builder> network) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "osv-api");
              t.setDaemon(true);
              return t;
            });
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
    network.accept(builder);
    this.http = builder.build();
  }

  /** The API's base URL. */
  public URI base() {
    return base;
  }

  @Override
  public String describe() {
    return "osv-api " + base;
  }

  /** The API's state as last seen. */
  public Status status() {
    return java.util.Objects.requireNonNull(status.get());
  }

  /** Changes whenever an answer arrives that differs from what was known. */
  public String generation() {
    return "osv-api-" + revision.get();
  }

  /**
   * The records the API last said affect {@code version} of {@code project}; empty when it was
   * never asked. Never blocks.
   */
  public List<Advisory> known(ProjectName project, String version) {
    Answer a = answers.get(new Query(project, version));
    if (a == null) {
      return List.of();
    }
    var out = new ArrayList<Advisory>(a.ids().size());
    for (String id : a.ids()) {
      Advisory r = records.get(id);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** Whether the API ever answered for {@code q} (a stale answer counts: it is still used). */
  public boolean answered(Query q) {
    return answers.containsKey(q);
  }

  /** A malicious record already fetched that affects every version of {@code project}. */
  Optional<Advisory> maliciousProject(ProjectName project) {
    return Optional.ofNullable(maliciousProjects.get(project.value()));
  }

  /** Keeps a fetched record, indexing it when it makes a whole project malicious. */
  private void keep(Advisory a) {
    records.put(a.id(), a);
    if (a.malicious()) {
      for (Advisory.Affected affected : a.affected()) {
        if (a.affectsAllVersions(affected.project())) {
          maliciousProjects.putIfAbsent(affected.project(), a);
        }
      }
    }
  }

  /**
   * Queues {@code q} for the next batch when its answer is missing or stale; the batch leaves
   * {@link #COALESCE} after the first query queued. Never blocks.
   */
  public void request(Query q) {
    if (fresh(q) || inFlight.contains(q) || !queued.add(q)) {
      return;
    }
    // One flush per burst; a query queued while a flush drains is picked up by the next one.
    if (flushScheduled.compareAndSet(false, true)) {
      CompletableFuture.delayedExecutor(
              COALESCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS, executor)
          .execute(
              () -> {
                flushScheduled.set(false);
                List<Query> batch = new ArrayList<>(queued);
                inFlight.addAll(batch);
                queued.removeAll(batch);
                prefetch(batch).whenComplete((ok, failed) -> inFlight.removeAll(batch));
              });
    }
  }

  /**
   * Asks the API about every query whose answer is missing or stale, in batches of at most {@value
   * #BATCH}, then fetches the records not yet known. The future completes when the answers are in,
   * or exceptionally when the API could not be reached (the last known answers then stay in use).
   */
  public CompletableFuture<Void> prefetch(Collection<Query> queries) {
    var todo = new ArrayList<Query>();
    for (Query q : new LinkedHashSet<>(queries)) {
      if (!fresh(q)) {
        todo.add(q);
      }
    }
    if (todo.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> fetch(todo), executor);
  }

  private boolean fresh(Query q) {
    Answer a = answers.get(q);
    return a != null && a.asked().plus(ttl).isAfter(clock.instant());
  }

  private void fetch(List<Query> todo) {
    try {
      Instant asked = clock.instant();
      var found = new HashMap<Query, List<String>>();
      for (int from = 0; from < todo.size(); from += BATCH) {
        List<Query> chunk = todo.subList(from, Math.min(todo.size(), from + BATCH));
        found.putAll(queryBatch(chunk));
      }
      var missing = new LinkedHashSet<String>();
      found
          .values()
          .forEach(
              ids -> ids.stream().filter(id -> !records.containsKey(id)).forEach(missing::add));
      var parser = new OsvParser();
      for (String id : missing) {
        JsonNode record = call(vulnRequest(id));
        parser.parse(base + "/v1/vulns/" + id, record).ifPresent(this::keep);
      }
      boolean changed = false;
      for (Map.Entry<Query, List<String>> e : found.entrySet()) {
        Answer before = answers.put(e.getKey(), new Answer(List.copyOf(e.getValue()), asked));
        changed |= before == null || !before.ids().equals(e.getValue());
      }
      if (changed || !missing.isEmpty()) {
        revision.incrementAndGet();
      }
      status.set(new Status(true, status().lastError(), Optional.of(clock.instant())));
    } catch (IOException | RuntimeException e) {
      String why =
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      LOG.warn("OSV API {} unreachable, using the last known answers: {}", base, why);
      status.set(new Status(false, Optional.of(why), status().lastSuccess()));
      throw new java.util.concurrent.CompletionException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  /** One {@code querybatch} exchange, following each query's {@code next_page_token}. */
  private Map<Query, List<String>> queryBatch(List<Query> chunk)
      throws IOException, InterruptedException {
    var out = new HashMap<Query, List<String>>();
    var pending = new LinkedHashMap<Query, Optional<String>>();
    chunk.forEach(q -> pending.put(q, Optional.empty()));
    while (!pending.isEmpty()) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode qs = body.putArray("queries");
      List<Query> order = new ArrayList<>(pending.keySet());
      for (Query q : order) {
        ObjectNode o = qs.addObject();
        o.putObject("package").put("name", q.project().value()).put("ecosystem", "PyPI");
        o.put("version", q.version());
        java.util.Objects.requireNonNull(pending.get(q)).ifPresent(t -> o.put("page_token", t));
      }
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(base + "/v1/querybatch"))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
              .build();
      JsonNode results = call(req).path("results");
      if (!results.isArray() || results.size() != order.size()) {
        throw new IOException(
            "querybatch: expected " + order.size() + " results, got " + results.size());
      }
      pending.clear();
      for (int i = 0; i < order.size(); i++) {
        JsonNode r = results.get(i);
        List<String> ids = out.computeIfAbsent(order.get(i), k -> new ArrayList<>());
        for (JsonNode v : r.path("vulns")) {
          String id = v.path("id").asText("");
          if (!id.isEmpty()) {
            ids.add(id);
          }
        }
        String next = r.path("next_page_token").asText("");
        if (!next.isEmpty()) {
          pending.put(order.get(i), Optional.of(next));
        }
      }
    }
    return out;
  }

  private HttpRequest vulnRequest(String id) {
    String path = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    return HttpRequest.newBuilder(URI.create(base + "/v1/vulns/" + path))
        .timeout(timeout)
        .GET()
        .build();
  }

  private JsonNode call(HttpRequest req) throws IOException, InterruptedException {
    HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200) {
      throw new IOException(req.method() + " " + req.uri() + ": HTTP " + resp.statusCode());
    }
    return JSON.readTree(resp.body());
  }

  /** Stops the background threads. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
