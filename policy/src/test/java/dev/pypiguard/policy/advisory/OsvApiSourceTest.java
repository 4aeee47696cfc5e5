package dev.pypiguard.policy.advisory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pypiguard.core.project.ProjectName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OsvApiSource} against an OSV API stand-in on 127.0.0.1. */
class OsvApiSourceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String RECORD =
      "{\"id\": \"GHSA-aaaa-bbbb-cccc\", \"aliases\": [\"CVE-2024-1\"], \"summary\": \"bad\","
          + " \"affected\": [{\"package\": {\"name\": \"jinja2\", \"ecosystem\": \"PyPI\"},"
          + " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"3.1.4\"}]}]}],"
          + " \"database_specific\": {\"severity\": \"HIGH\"}}";

  HttpServer server;
  final AtomicInteger batches = new AtomicInteger();
  final AtomicInteger queriesSeen = new AtomicInteger();
  final AtomicInteger details = new AtomicInteger();
  final AtomicBoolean down = new AtomicBoolean();
  OsvApiSource api;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/querybatch", this::querybatch);
    server.createContext("/v1/vulns/", this::vuln);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    if (api != null) {
      api.close();
    }
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void querybatch(HttpExchange ex) throws IOException {
    if (down.get()) {
      reply(ex, 503, "{}");
      return;
    }
    batches.incrementAndGet();
    JsonNode body = JSON.readTree(ex.getRequestBody());
    var results = new ArrayList<String>();
    for (JsonNode q : body.path("queries")) {
      queriesSeen.incrementAndGet();
      boolean hit =
          q.path("package").path("name").asText().equals("jinja2")
              && q.path("version").asText().startsWith("3.1.");
      boolean evil = q.path("package").path("name").asText().equals("evil-pkg");
      results.add(
          hit
              ? "{\"vulns\": [{\"id\": \"GHSA-aaaa-bbbb-cccc\", \"modified\": \"2024-05-01T00:00:00Z\"}]}"
              : evil
                  ? "{\"vulns\": [{\"id\": \"MAL-2025-1\", \"modified\": \"2025-01-01T00:00:00Z\"}]}"
                  : "{}");
    }
    reply(ex, 200, "{\"results\": [" + String.join(",", results) + "]}");
  }

  void vuln(HttpExchange ex) throws IOException {
    details.incrementAndGet();
    if (ex.getRequestURI().getPath().endsWith("/GHSA-aaaa-bbbb-cccc")) {
      reply(ex, 200, RECORD);
    } else if (ex.getRequestURI().getPath().endsWith("/MAL-2025-1")) {
      reply(
          ex,
          200,
          """
          {"id": "MAL-2025-1", "modified": "2025-01-01T00:00:00Z", "summary": "Malicious code in evil-pkg",
           "affected": [{"package": {"ecosystem": "PyPI", "name": "evil-pkg"},
                         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
          """);
    } else {
      reply(ex, 404, "{}");
    }
  }

  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  static List<OsvApiSource.Query> manyQueries() {
    var qs = new ArrayList<OsvApiSource.Query>();
    for (int i = 0; i < 300; i++) {
      qs.add(new OsvApiSource.Query(new ProjectName("jinja2"), "3.1." + i));
      qs.add(new OsvApiSource.Query(new ProjectName("flask"), "2." + i));
    }
    return qs;
  }

  @Test
  void prefetch_manyQueries_oneBatchRequestAndOneDetailFetch() throws Exception {
    api = new OsvApiSource(base(), Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
    api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS);
    assertThat(batches).hasValue(1);
    assertThat(queriesSeen).hasValue(600);
    assertThat(details).hasValue(1);
    List<Advisory> known = api.known(new ProjectName("jinja2"), "3.1.2");
    assertThat(known).extracting(Advisory::id).containsExactly("GHSA-aaaa-bbbb-cccc");
    assertThat(known.get(0).severity()).contains(Severity.HIGH);
    assertThat(api.known(new ProjectName("flask"), "2.3")).isEmpty();
    assertThat(api.status().reachable()).isTrue();
    assertThat(api.status().lastSuccess()).isPresent();
  }

  @Test
  void maliciousOnEveryVersion_fetchedOnce_marksTheProjectItself() throws Exception {
    api = new OsvApiSource(base(), Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
    assertThat(api.maliciousProject(new ProjectName("evil-pkg"))).isEmpty();
    api.prefetch(
            List.of(
                new OsvApiSource.Query(new ProjectName("evil-pkg"), "1.0"),
                new OsvApiSource.Query(new ProjectName("jinja2"), "3.1.2")))
        .get(10, TimeUnit.SECONDS);
    assertThat(api.maliciousProject(new ProjectName("evil-pkg")))
        .hasValueSatisfying(a -> assertThat(a.id()).isEqualTo("MAL-2025-1"));
    assertThat(api.maliciousProject(new ProjectName("jinja2"))).isEmpty();
  }

  @Test
  void prefetch_sameQueriesAgain_noSecondRequest() throws Exception {
    api = new OsvApiSource(base(), Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
    api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS);
    String gen = api.generation();
    api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS);
    assertThat(batches).hasValue(1);
    assertThat(details).hasValue(1);
    assertThat(api.generation()).isEqualTo(gen);
  }

  @Test
  void prefetch_apiDown_lastKnownAnswersKeptAndStatusShowsError() throws Exception {
    // A zero TTL makes every answer stale, so the second prefetch asks again and fails.
    api = new OsvApiSource(base(), Duration.ofSeconds(5), Duration.ZERO, Clock.systemUTC());
    api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS);
    down.set(true);
    assertThatThrownBy(() -> api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("HTTP 503");
    assertThat(api.status().reachable()).isFalse();
    assertThat(api.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("503"));
    assertThat(api.status().lastSuccess()).isPresent();
    assertThat(api.known(new ProjectName("jinja2"), "3.1.2"))
        .extracting(Advisory::id)
        .containsExactly("GHSA-aaaa-bbbb-cccc");
  }

  @Test
  void prefetch_unreachableHost_failsFastWithStatus() throws Exception {
    server.stop(0);
    api = new OsvApiSource(base(), Duration.ofSeconds(2), Duration.ofHours(1), Clock.systemUTC());
    assertThatThrownBy(() -> api.prefetch(manyQueries()).get(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(api.status().reachable()).isFalse();
    assertThat(api.status().lastSuccess()).isEmpty();
    assertThat(api.known(new ProjectName("jinja2"), "3.1.2")).isEmpty();
  }

  @Test
  void sources_lookupWithoutPrefetch_answersAtOnceThenLearnsInBackground() throws Exception {
    api = new OsvApiSource(base(), Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
    AdvisorySources sources = AdvisorySources.load(List.of(api));
    String gen = sources.generation();
    assertThat(sources.affecting(new ProjectName("jinja2"), "3.1.2")).isEmpty();
    sources.affecting(new ProjectName("jinja2"), "3.1.3");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sources.affecting(new ProjectName("jinja2"), "3.1.2").isEmpty()
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(sources.affecting(new ProjectName("jinja2"), "3.1.2"))
        .extracting(Advisory::id)
        .containsExactly("GHSA-aaaa-bbbb-cccc");
    assertThat(sources.generation()).isNotEqualTo(gen);
    // Both look-ups, queued together, went in one batch.
    assertThat(batches).hasValue(1);
  }

  @Test
  void parse_osvApiWord_onlineSourceAtGivenBase() {
    AdvisorySource s = AdvisorySources.parse("osv-api", base());
    assertThat(s).isInstanceOf(OsvApiSource.class);
    assertThat(((OsvApiSource) s).base()).isEqualTo(base());
    ((OsvApiSource) s).close();
    assertThatThrownBy(() -> AdvisorySources.parse("/no/such/thing.zip"))
        .hasMessageContaining("--advisories");
  }
}
