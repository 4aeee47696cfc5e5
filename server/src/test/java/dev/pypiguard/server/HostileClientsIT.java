package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.config.Limits;
import dev.pypiguard.testing.RawHttpClient;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: clients that trickle, idle or hoard connections are cut, and cannot lock others out of
 * the server or its {@code /healthz}.
 */
class HostileClientsIT {
  @TempDir Path cache;
  Harness h;
  final List<RawHttpClient> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (var c : clients) {
      c.close();
    }
    if (h != null) {
      h.close();
    }
  }

  /** How many of the clients the server closes within a few seconds (all looked at at once). */
  private long closedByServer() throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(clients.size());
    try {
      var checks =
          clients.stream()
              .map(c -> pool.submit(() -> c.closedByServer(Duration.ofSeconds(3))))
              .toList();
      long n = 0;
      for (var f : checks) {
        n += f.get() ? 1 : 0;
      }
      return n;
    } finally {
      pool.shutdownNow();
    }
  }

  private void start(Limits limits) {
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, c -> c.withLimits(limits));
  }

  /**
   * Sends a request 40 bytes a tenth of a second apart (4 s, each byte well within any per-read
   * timeout) and reads its answer: empty when the server cut it.
   */
  private static Optional<RawHttpClient.Response> trickled(RawHttpClient c) throws Exception {
    boolean sentAll =
        c.trickle(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + "y".repeat(20) + "\r\n\r\n",
            Duration.ofMillis(100));
    return sentAll ? c.read(false) : Optional.empty();
  }

  @Test
  void trickledRequestHeaders_areCutAtTheDeadline() throws Exception {
    start(Limits.DEFAULTS.withDeadlines(Duration.ofSeconds(1), Duration.ofSeconds(60)));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      assertThat(trickled(c)).as("no answer to a request trickled past the deadline").isEmpty();
    }
  }

  @Test
  void connectionThatSendsNothing_isClosedAtTheDeadline() throws Exception {
    start(Limits.DEFAULTS.withDeadlines(Duration.ofSeconds(1), Duration.ofSeconds(60)));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void idleKeepAliveConnection_isClosedAfterTheIdleLimit() throws Exception {
    start(Limits.DEFAULTS.withDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(1)));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      c.send(c.get("/healthz"));
      assertThat(c.read(false).orElseThrow().text()).startsWith("ok");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void trickleAfterAnIdleSpell_isCutAtTheHeadersDeadline() throws Exception {
    // An answer, then 1.5 s of idling (within the 60 s idle limit): the next request's bytes run
    // the 1 s request-headers clock, however far off the idle clock's end was.
    start(Limits.DEFAULTS.withDeadlines(Duration.ofSeconds(1), Duration.ofSeconds(60)));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      c.send(c.get("/healthz"));
      assertThat(c.read(false).orElseThrow().text()).startsWith("ok");
      Thread.sleep(1500);
      long start = System.nanoTime();
      Optional<RawHttpClient.Response> r = trickled(c);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r).as("no answer to a request trickled past the deadline").isEmpty();
      assertThat(took).as("the idle spell did not close it").isGreaterThan(Duration.ofMillis(900));
    }
  }

  @Test
  void anAnswerSlowerThanBothClocks_isNotCut() throws Exception {
    // Neither clock runs while a request is served (upstream timeouts bound that).
    start(Limits.DEFAULTS.withDeadlines(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    h.upstream.publishAll(WheelBuilder.of("alpha", "1.0").build());
    h.upstream.delay("/simple/alpha", Duration.ofMillis(2500));
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      c.send(c.get("/simple/alpha/"));
      assertThat(c.read(false).orElseThrow().status()).isEqualTo(200);
      assertThat(c.closedByServer()).as("then the idle clock runs").isTrue();
    }
  }

  @Test
  void oneAddressHoardingConnections_doesNotLockOthersOut() throws Exception {
    start(
        Limits.DEFAULTS
            .withConnections(60, 20)
            .withDeadlines(Duration.ofSeconds(60), Duration.ofSeconds(60)));
    for (int i = 0; i < 40; i++) {
      clients.add(RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(5)));
    }
    // All but 20 connections from 127.0.0.1 were closed at once (accepted in any order).
    assertThat(closedByServer()).isEqualTo(20);
    // Another address still gets in, and /healthz answers it.
    try (var other =
        RawHttpClient.connect(
            h.proxy.uri(),
            Duration.ofSeconds(5),
            Optional.of(InetAddress.getByName("127.0.0.2")))) {
      other.send(other.get("/healthz"));
      assertThat(other.read(false).orElseThrow().text()).startsWith("ok");
    }
    // Once the hoarder lets go, it may connect again.
    for (var c : clients) {
      c.close();
    }
    clients.clear();
    boolean admitted = false;
    for (int i = 0; i < 50 && !admitted; i++) {
      try (var again = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(5))) {
        again.send(again.get("/healthz"));
        admitted = again.read(false).map(r -> r.status() == 200).orElse(false);
      } catch (java.io.IOException e) {
        // closed while counts drop: try again
      }
      if (!admitted) {
        Thread.sleep(100);
      }
    }
    assertThat(admitted).isTrue();
  }

  @Test
  void totalLimit_refusesBeyondIt() throws Exception {
    start(
        Limits.DEFAULTS
            .withConnections(10, 100)
            .withDeadlines(Duration.ofSeconds(60), Duration.ofSeconds(60)));
    for (int i = 0; i < 15; i++) {
      clients.add(RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(5)));
    }
    assertThat(closedByServer()).isEqualTo(5);
  }
}
