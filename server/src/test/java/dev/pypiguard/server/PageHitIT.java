package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (README "Speed"): a cached page hit is answered on the event loop, with no hop to the
 * blocking pool, and a large page goes out from an unlinked file by sendfile with the very bytes
 * the ordinary path rendered, in both content-codings.
 */
class PageHitIT {
  private static final String JSON = "application/vnd.pypi.simple.v1+json";

  @TempDir Path cache;
  Harness h;
  Artifact other;

  @BeforeEach
  void start() {
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, Harness::permissive);
    // Enough files for a page of several hundred KB (gzip above 64 KB too): a file-backed body.
    var wheels = new ArrayList<Artifact>();
    for (int i = 0; i < 1500; i++) {
      wheels.add(WheelBuilder.of("bigpage", "1." + i).build());
    }
    h.upstream.publishAll(wheels.toArray(Artifact[]::new));
    other = WheelBuilder.of("other", "1.0").build();
    h.upstream.publish(other);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void largePage_hitsAreTheRenderedBytes_fromAFileBody_inBothCodings() throws IOException {
    for (String coding : new String[] {"identity", "gzip"}) {
      var first = h.get("/simple/bigpage/", "Accept", JSON, "Accept-Encoding", coding);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body().length).as(coding).isGreaterThan(64 * 1024);
      for (int i = 0; i < 5; i++) {
        var hit = h.get("/simple/bigpage/", "Accept", JSON, "Accept-Encoding", coding);
        assertThat(hit.statusCode()).isEqualTo(200);
        assertThat(hit.body()).as(coding + " hit " + i).isEqualTo(first.body());
        assertThat(hit.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
        assertThat(hit.headers().firstValueAsLong("Content-Length")).hasValue(first.body().length);
      }
    }
    // Both bodies sit in files that are already unlinked: nothing is left in the cache folder.
    assertThat(pageBodyFiles()).isGreaterThanOrEqualTo(2);
    try (Stream<Path> left = Files.walk(cache)) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("page-"))).isEmpty();
    }
  }

  /**
   * A page body or a cached file sent by sendfile corks the socket until it is written (README
   * "Speed"); the cork must come off then, or the next small answer on that connection waits for
   * the kernel's 200 ms cork ceiling. Each round times that next answer; the median of five stays
   * far below it.
   */
  @Test
  void afterASendfileAnswer_theNextSmallAnswerOnTheConnectionIsNotHeldBack() throws Exception {
    String file = "/files/other/" + other.filename();
    assertThat(h.get("/simple/bigpage/", "Accept", JSON).statusCode()).isEqualTo(200);
    assertThat(h.get("/simple/other/", "Accept", JSON).statusCode()).isEqualTo(200);
    assertThat(h.get(file).statusCode()).isEqualTo(200); // fetched: cached from now on
    try (var c =
        dev.pypiguard.testing.RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(20))) {
      assertThat(medianOfNextAnswer(c, "/simple/bigpage/", 64 * 1024))
          .as("after a page body")
          .isLessThan(Duration.ofMillis(100));
      assertThat(medianOfNextAnswer(c, file, other.bytes().length))
          .as("after a cached file")
          .isLessThan(Duration.ofMillis(100));
    }
    assertThat(pageBodyFiles()).isGreaterThanOrEqualTo(1);
  }

  /** Five rounds of {@code first} then a small page on {@code c}: the small page's median time. */
  private static Duration medianOfNextAnswer(
      dev.pypiguard.testing.RawHttpClient c, String first, int minLength) throws IOException {
    var nanos = new long[5];
    for (int i = 0; i < nanos.length; i++) {
      c.send(c.get(first, "Accept: " + JSON));
      var big = c.read(false).orElseThrow();
      assertThat(big.status()).isEqualTo(200);
      assertThat(big.body().length).isGreaterThanOrEqualTo(minLength);
      long t0 = System.nanoTime();
      c.send(c.get("/simple/other/", "Accept: " + JSON));
      var small = c.read(false).orElseThrow();
      nanos[i] = System.nanoTime() - t0;
      assertThat(small.status()).isEqualTo(200);
      assertThat(small.complete()).isTrue();
    }
    java.util.Arrays.sort(nanos);
    return Duration.ofNanos(nanos[nanos.length / 2]);
  }

  /**
   * A hit on an HTTP/1.1 connection kept alive sends the page's head as it was built once, shared
   * by every such hit (README "Speed"); a connection that needs headers of its own (HTTP/1.0 kept
   * alive, or one the client closes) gets a copy with them. Each kind in turn, on both body kinds
   * (in memory and by sendfile): the shared head never takes another's connection header.
   */
  @Test
  void pageHit_connectionHeaders_areEachAnswersOwn() throws Exception {
    for (String page : new String[] {"/simple/other/", "/simple/bigpage/"}) {
      var warm = h.get(page, "Accept", JSON);
      assertThat(warm.statusCode()).isEqualTo(200);
      for (int round = 0; round < 2; round++) {
        try (var c =
            dev.pypiguard.testing.RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(20))) {
          c.send(
              c.get(page, "Accept: " + JSON, "Connection: keep-alive")
                  .replaceFirst(" HTTP/1.1\r\n", " HTTP/1.0\r\n"));
          var ten = c.read(false).orElseThrow();
          assertThat(ten.body()).as(page + " over HTTP/1.0").isEqualTo(warm.body());
          assertThat(ten.header("Connection")).hasValue("keep-alive");
          c.send(c.get(page, "Accept: " + JSON));
          var eleven = c.read(false).orElseThrow();
          assertThat(eleven.body()).isEqualTo(warm.body());
          assertThat(eleven.header("Connection")).as(page + " over HTTP/1.1").isEmpty();
          assertThat(eleven.header("Server")).hasValue("pypi-guard");
          c.send(c.get(page, "Accept: " + JSON, "Connection: close"));
          var closing = c.read(false).orElseThrow();
          assertThat(closing.body()).isEqualTo(warm.body());
          assertThat(closing.header("Connection")).hasValue("close");
          assertThat(c.closedByServer(Duration.ofSeconds(5))).isTrue();
        }
      }
    }
    assertThat(pageBodyFiles()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void cachedPageHit_isAnswered_whileEveryBlockingThreadIsBusy() throws Exception {
    var warm = h.get("/simple/bigpage/", "Accept", JSON);
    assertThat(warm.statusCode()).isEqualTo(200);
    assertThat(h.get("/simple/bigpage/", "Accept", JSON).body()).isEqualTo(warm.body());

    ExecutorService pool = h.proxy.blockingPool();
    var hold = new CountDownLatch(1);
    var started = new CountDownLatch(64);
    int threads = ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize();
    for (int i = 0; i < threads; i++) {
      pool.execute(
          () -> {
            started.countDown();
            try {
              hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    try {
      // Every pool thread is parked on the latch (bounded wait for them to start).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (started.getCount() > 64 - threads && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(started.getCount()).isEqualTo(64L - threads);

      // Control: a page that is not cached needs the pool, so it waits while the pool is held.
      CompletableFuture<HttpResponse<byte[]>> cold = async("/simple/other/");
      // The hit needs no pool thread: it is answered now, whole.
      var hit = async("/simple/bigpage/").get(10, TimeUnit.SECONDS);
      assertThat(hit.statusCode()).isEqualTo(200);
      assertThat(hit.body()).isEqualTo(warm.body());
      assertThat(cold).as("the uncached page waits for the held pool").isNotDone();
      hold.countDown();
      assertThat(cold.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } finally {
      hold.countDown();
    }
  }

  private CompletableFuture<HttpResponse<byte[]>> async(String path) {
    return h.http.sendAsync(
        HttpRequest.newBuilder(h.url(path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", JSON)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Open descriptors of this process on unlinked page-body files (Linux). */
  private static long pageBodyFiles() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  String target = Files.readSymbolicLink(fd).toString();
                  return target.contains("/page-") && target.endsWith("(deleted)");
                } catch (IOException e) {
                  return false; // closed meanwhile
                }
              })
          .count();
    }
  }
}
