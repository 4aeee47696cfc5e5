package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifacts through the proxy: verified caching, single flight, streaming, ranges, bad input. */
class FileServingIT {
  @TempDir Path cache;
  Harness h;
  Artifact wheel;

  @BeforeEach
  void start() {
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, c -> c.withStreamAfter(64 * 1024));
    wheel = WheelBuilder.of("alpha", "1.0").build();
    h.upstream.publish(wheel);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private String fileUrl(Artifact a) {
    return "/files/" + a.normalizedProject() + "/" + a.filename();
  }

  /** Blobs in the store other than core metadata (fetched before a download, issue 13). */
  private long storedBlobs() throws Exception {
    Path root = cache.resolve("blobs").resolve("sha256");
    if (!Files.exists(root)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).filter(p -> !isCoreMetadata(p)).count();
    }
  }

  private static boolean isCoreMetadata(Path p) {
    try {
      return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8)
          .startsWith("Metadata-Version:");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void file_firstAndSecondRequest_sameBytesOneUpstreamFetch() {
    var first = h.get(fileUrl(wheel));
    var second = h.get(fileUrl(wheel));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(wheel.bytes());
    assertThat(second.body()).isEqualTo(wheel.bytes());
    assertThat(second.headers().firstValue("ETag")).hasValue("\"" + wheel.sha256() + "\"");
    assertThat(h.upstream.requests("/files/" + wheel.filename())).isEqualTo(1);
  }

  @Test
  void file_hashMismatch_is502AndNeverCached() throws Exception {
    h.upstream.corrupt(wheel.filename());
    var r = h.get(fileUrl(wheel));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(text(r)).contains("sha256 mismatch");
    assertThat(storedBlobs()).isZero();
    var again = h.get(fileUrl(wheel));
    assertThat(again.statusCode()).isEqualTo(502);
    assertThat(h.upstream.requests("/files/" + wheel.filename())).isEqualTo(2);
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_integrity_failures_total{kind=\"file\"} 2.0");
  }

  @Test
  void file_truncatedBody_is502AndNeverCached() throws Exception {
    h.upstream.truncate(wheel.filename(), wheel.size() / 2);
    var r = h.get(fileUrl(wheel));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(storedBlobs()).isZero();
  }

  @Test
  void file_largeCorruptedDownload_neverDeliversAWholeBody() throws Exception {
    Artifact big = WheelBuilder.large("bigpkg", "1.0", 3 * 1024 * 1024, 7);
    h.upstream.publish(big);
    h.upstream.corrupt(big.filename());
    // Past stream-after the response has started: the failure must cut the connection, so the
    // client sees an incomplete body, never a complete wrong one.
    try {
      var r = h.get(fileUrl(big));
      assertThat(r.statusCode()).isNotEqualTo(200);
    } catch (java.io.UncheckedIOException expected) {
      assertThat(expected.getCause()).isInstanceOf(java.io.IOException.class);
    }
    assertThat(storedBlobs()).isZero();
  }

  @Test
  void file_fiftyConcurrentColdClients_oneUpstreamFetchAllBytesRight() throws Exception {
    Artifact big = WheelBuilder.large("bigpkg", "1.0", 2 * 1024 * 1024, 42);
    h.upstream.publish(big);
    h.upstream.throttle(big.filename(), 64 * 1024, Duration.ofMillis(5));
    h.get("/simple/bigpkg/"); // the page first, so every client races on the file alone
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(
          h.http.sendAsync(
              HttpRequest.newBuilder(h.url(fileUrl(big))).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (var f : all) {
      var r = f.get(60, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(big.bytes());
    }
    assertThat(h.upstream.requests("/files/" + big.filename())).isEqualTo(1);
  }

  @Test
  void file_slowUpstream_firstBytesReachClientBeforeDownloadEnds() throws Exception {
    Artifact big = WheelBuilder.large("bigpkg", "1.0", 1024 * 1024, 3);
    h.upstream.publish(big);
    // 16 chunks of 64 KiB, 150 ms apart: about 2.4 s upstream.
    h.upstream.throttle(big.filename(), 64 * 1024, Duration.ofMillis(150));
    var t = timedGet(big);
    // Headers came with the first chunk, well before the last.
    assertThat(t.afterHeadersMs())
        .as("time between headers and end of body")
        .isGreaterThan(t.toHeadersMs());
  }

  @Test
  void file_largerThanStreamAfter_startsWithItsFirstBytes_notAfterStreamAfterOfThem()
      throws Exception {
    Artifact big = WheelBuilder.large("bigpkg", "1.0", 128 * 1024, 5);
    h.upstream.publish(big);
    // 8 chunks of 16 KiB, 500 ms apart: stream-after (64 KiB) is with the proxy after about 1.5 s,
    // the whole file after about 3.5 s.
    h.upstream.throttle(big.filename(), 16 * 1024, Duration.ofMillis(500));
    h.get("/simple/bigpkg/"); // the page first: the clock below runs for the file alone
    var t = timedGet(big);
    // Its size is known and larger than stream-after, and its last byte is held back until the
    // digest matched: nothing is gained by waiting for stream-after bytes before the headers.
    // Waiting for them would put the headers at 1.5 of the 3.5 s; they come with the first chunk.
    assertThat(t.afterHeadersMs())
        .as("time between headers and end of body")
        .isGreaterThan(3 * t.toHeadersMs());
  }

  @Test
  void smallColdFile_thatTheCacheCannotKeep_isStillServedWhole() throws Exception {
    // A regular file where the wheel's blob directory goes: keeping the verified download fails.
    String hex = wheel.sha256();
    Path parent = cache.resolve("blobs").resolve("sha256").resolve(hex.substring(0, 2));
    Files.createDirectories(parent);
    Files.writeString(parent.resolve(hex.substring(2, 4)), "in the way");
    var first = h.get(fileUrl(wheel));
    // Smaller than stream-after, so verified whole before its first byte, which then goes out
    // while the proxy forces and renames the file: the client's bytes do not wait for (or depend
    // on) the cache entry, as for a large file.
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(wheel.bytes());
    var second = h.get(fileUrl(wheel));
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo(wheel.bytes());
    assertThat(h.upstream.requests("/files/" + wheel.filename()))
        .as("not kept, so fetched again")
        .isEqualTo(2);
  }

  /** When a download's headers came, and how long its body took after them. */
  private record Timed(long toHeadersMs, long afterHeadersMs) {}

  /** Gets {@code a} whole, checks it is right, and says when its headers and its end came. */
  private Timed timedGet(Artifact a) throws Exception {
    long start = System.nanoTime();
    var r =
        h.http.send(
            HttpRequest.newBuilder(h.url(fileUrl(a))).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    long headersAt = System.nanoTime();
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readAllBytes();
    }
    long endAt = System.nanoTime();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body).isEqualTo(a.bytes());
    return new Timed(
        TimeUnit.NANOSECONDS.toMillis(headersAt - start),
        TimeUnit.NANOSECONDS.toMillis(endAt - headersAt));
  }

  @Test
  void file_rangeRequest_servesPartialContent() {
    h.get(fileUrl(wheel));
    var r = h.get(fileUrl(wheel), "Range", "bytes=10-19");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 10-19/" + wheel.size());
    assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(wheel.bytes(), 10, 20));
    var suffix = h.get(fileUrl(wheel), "Range", "bytes=-22");
    assertThat(suffix.body())
        .isEqualTo(java.util.Arrays.copyOfRange(wheel.bytes(), wheel.size() - 22, wheel.size()));
    var bad = h.get(fileUrl(wheel), "Range", "bytes=" + wheel.size() + "-");
    assertThat(bad.statusCode()).isEqualTo(416);
  }

  @Test
  void file_rangeOnColdFile_isServedAfterVerification() {
    var r = h.get(fileUrl(wheel), "Range", "bytes=0-3");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(wheel.bytes(), 0, 4));
  }

  @Test
  void file_ifNoneMatch_is304() {
    h.get(fileUrl(wheel));
    var r = h.get(fileUrl(wheel), "If-None-Match", "\"" + wheel.sha256() + "\"");
    assertThat(r.statusCode()).isEqualTo(304);
  }

  @Test
  void file_ifNoneMatch_is304_beforeTheFileIsKept() {
    // Never asked for: the ETag is the page's sha256, so the answer needs no byte of it.
    var r = h.get(fileUrl(wheel), "If-None-Match", "\"" + wheel.sha256() + "\"");
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    var other = h.get(fileUrl(wheel), "If-None-Match", "\"" + "0".repeat(64) + "\"");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.body()).isEqualTo(wheel.bytes());
  }

  @Test
  void file_head_hasLengthAndNoBody() {
    h.get(fileUrl(wheel));
    var r = h.send("HEAD", fileUrl(wheel));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(wheel.size());
    assertThat(r.body()).isEmpty();
  }

  @Test
  void metadata_servedAndVerified() {
    var r = h.get(fileUrl(wheel) + ".metadata");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(wheel.metadata());
  }

  @Test
  void provenance_servedInIntegrityShape_and404WithoutOne() {
    Artifact attested = WheelBuilder.of("gamma", "1.0").build();
    h.upstream.publish(
        attested,
        FileOptions.defaults().withProvenance("{\"version\": 1, \"attestation_bundles\": []}"));
    var r = h.get("/integrity/gamma/1.0/" + attested.filename() + "/provenance");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValue("application/vnd.pypi.integrity.v1+json");
    assertThat(text(r)).contains("attestation_bundles");
    var none = h.get("/integrity/alpha/1.0/" + wheel.filename() + "/provenance");
    assertThat(none.statusCode()).isEqualTo(404);
  }

  @Test
  void file_notOnPage_is404() {
    assertThat(h.get("/files/alpha/alpha-9.9-py3-none-any.whl").statusCode()).isEqualTo(404);
  }

  @Test
  void traversalAttempts_neverReachOtherFiles() throws Exception {
    h.get(fileUrl(wheel));
    for (String path :
        List.of(
            "/files/../../etc/passwd",
            "/files/%2e%2e/%2e%2e/etc/passwd",
            "/files/alpha/..%2f..%2fetc%2fpasswd",
            "/files/alpha/%2fetc%2fpasswd",
            "/files/alpha/..%5c..%5cetc",
            "/simple/%2e%2e/",
            "/files/alpha/" + "%00" + wheel.filename(),
            "//etc/passwd",
            "/files//etc/passwd")) {
      int status = rawStatus("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(status).as(path).isIn(400, 404);
    }
    int absolute =
        rawStatus("GET http://evil/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(absolute).isIn(400, 404);
  }

  @Test
  void oversizedUrlAndHeaders_get414And431() throws Exception {
    String longPath = "/simple/" + "a".repeat(10_000) + "/";
    assertThat(rawStatus("GET " + longPath + " HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(414);
    String bigHeader = "X-Big: " + "b".repeat(20_000) + "\r\n";
    assertThat(rawStatus("GET /healthz HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n"))
        .isEqualTo(431);
  }

  @Test
  void keepAlive_severalRequestsOnOneConnection() throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.proxy.address().getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String got = readSome(s.getInputStream(), 2);
      assertThat(got.split("HTTP/1.1 200 OK", -1)).hasSize(3);
    }
  }

  private static String readSome(InputStream in, int responses) throws Exception {
    var sb = new StringBuilder();
    byte[] buf = new byte[4096];
    while (sb.toString().split("\nok\n", -1).length - 1 < responses) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
    }
    return sb.toString();
  }

  private int rawStatus(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.proxy.address().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      byte[] buf = new byte[64];
      int n = s.getInputStream().read(buf);
      String line = new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII);
      return Integer.parseInt(line.substring(9, 12));
    }
  }
}
