package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.server.config.Limits;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.HostileUpstream;
import dev.pypiguard.testing.HostileUpstream.FileLie;
import dev.pypiguard.testing.HostileUpstream.PageLie;
import dev.pypiguard.testing.RawHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: an upstream that lies at the transport level never gets a wrong byte to a client, nor a
 * byte past the declared size, nor anything into the store; hostile pages cost bounded memory and
 * time.
 */
class HostileUpstreamIT {
  /**
   * An sdist: its bytes are the lie under test. A wheel's core metadata is read before it is served
   * (README §Fail closed), and a wheel of such bytes is held for it, before any of this.
   */
  private static final String WHEEL = "lie-1.0.tar.gz";

  @TempDir Path cache;
  HostileUpstream up = HostileUpstream.start();
  ProxyServer proxy;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    up.close();
  }

  private void start(UnaryOperator<ServerConfig> tweak) throws IOException {
    proxy =
        ProxyServer.start(
            tweak.apply(
                Harness.permissive(ServerConfig.defaults(up.uri(), cache).withPort(0))
                    .withTimeouts(
                        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(500))));
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(proxy.uri() + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private boolean stored(byte[] b) {
    return proxy.store().find(new Sha256(HostileUpstream.sha256(b))).isPresent();
  }

  /** A lying upstream's file is refused (502) or cut, never a complete 200. */
  private static void refusedOrCut(RawHttpClient.Response r) {
    assertThat(r.status() == 502 || (r.status() == 200 && !r.complete()))
        .as("status %d, complete %s", r.status(), r.complete())
        .isTrue();
  }

  /**
   * Asks for the file, then /healthz on the same connection: what follows the file must be
   * healthz's answer.
   */
  private RawHttpClient.Response fileThenHealth(byte[] content) throws IOException {
    try (var c = RawHttpClient.connect(proxy.uri(), Duration.ofSeconds(20))) {
      c.send(c.get("/files/lie/" + WHEEL) + c.get("/healthz"));
      var file = c.read(false).orElseThrow();
      if (file.status() == 200 && file.complete()) {
        assertThat(file.body())
            .as("a complete 200 has exactly the file's bytes")
            .isEqualTo(content);
        assertThat(c.read(false).orElseThrow().text()).startsWith("ok");
      } else if (file.status() == 200) {
        assertThat(file.body().length).isLessThan(content.length);
        assertThat(file.body()).isEqualTo(Arrays.copyOf(content, file.body().length));
        assertThat(c.rest()).as("nothing follows a cut response").isEmpty();
      } else {
        var next = c.read(false);
        next.ifPresent(h -> assertThat(h.text()).startsWith("ok"));
      }
      return file;
    }
  }

  @Test
  void chunkedBodyLongerThanDeclared_smallFile_is502AndNothingStored() throws Exception {
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.of(content.length), FileLie.CHUNKED_OVERRUN, 5_000);
    start(c -> c);
    var r = fileThenHealth(content);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.text()).contains("more than the declared size");
    assertThat(stored(content)).isFalse();
  }

  @Test
  void contentLengthLongerThanDeclared_is502AndNothingStored() throws Exception {
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.of(content.length), FileLie.LENGTH_OVERRUN, 1);
    start(c -> c);
    assertThat(fileThenHealth(content).status()).isEqualTo(502);
    assertThat(stored(content)).isFalse();
  }

  @Test
  void contentLengthLongerThanMaximum_noDeclaredSize_is502() throws Exception {
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.empty(), FileLie.LENGTH_OVERRUN, 10_000);
    start(c -> c.withLimits(Limits.DEFAULTS.withSizes(12_000, Limits.DEFAULTS.pageSize())));
    var r = fileThenHealth(content);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.text()).contains("limit of 12000 bytes");
    assertThat(stored(content)).isFalse();
  }

  @Test
  void bytesAfterTheContentLength_areNotPartOfTheFile() throws Exception {
    byte[] content = bytes(10_000);
    up.file(
        "lie", WHEEL, content, OptionalLong.of(content.length), FileLie.BYTES_AFTER_LENGTH, 3_000);
    start(c -> c);
    var r = fileThenHealth(content);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.complete()).isTrue();
    assertThat(r.body()).isEqualTo(content);
  }

  @Test
  void endlessBody_declaredSize_isCutAtTheSize() throws Exception {
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.of(content.length), FileLie.ENDLESS, 0);
    start(c -> c);
    assertThat(fileThenHealth(content).status()).isEqualTo(502);
    assertThat(stored(content)).isFalse();
  }

  @Test
  void endlessBody_noDeclaredSize_isCutAtTheConfiguredMaximum() throws Exception {
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.empty(), FileLie.ENDLESS, 0);
    start(c -> c.withLimits(Limits.DEFAULTS.withSizes(1 << 20, Limits.DEFAULTS.pageSize())));
    var r = fileThenHealth(content);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.text()).contains("limit of 1048576 bytes");
    assertThat(stored(content)).isFalse();
    assertThat(proxy.downloads().count()).isZero();
  }

  @Test
  void streamedLargeFile_longerThanDeclared_isCutNeverCompleted() throws Exception {
    byte[] content = bytes(512 * 1024);
    up.file(
        "lie", WHEEL, content, OptionalLong.of(content.length), FileLie.CHUNKED_OVERRUN, 100_000);
    start(c -> c.withStreamAfter(16 * 1024));
    var r = fileThenHealth(content);
    // Either the response had started (then it is cut short) or the failure came first (502).
    refusedOrCut(r);
    if (r.status() == 200) {
      assertThat(r.header("Content-Length")).contains(String.valueOf(content.length));
    }
    assertThat(stored(content)).isFalse();
  }

  @Test
  void contentLengthClaimingALargeFile_noDeclaredSize_smallBody_isAClean502() throws Exception {
    // The page gives no size; the host claims far more than stream-after and sends 10 KB. Only a
    // declared size may start the response early, so this is a 502, not a cut 200.
    byte[] content = bytes(10_000);
    up.file("lie", WHEEL, content, OptionalLong.empty(), FileLie.LENGTH_SHORT, 1_000_000);
    start(c -> c.withStreamAfter(16 * 1024));
    var r = fileThenHealth(content);
    assertThat(r.status()).isEqualTo(502);
    assertThat(stored(content)).isFalse();
  }

  @Test
  void streamedLargeFile_endless_isCutNeverCompleted() throws Exception {
    byte[] content = bytes(512 * 1024);
    up.file("lie", WHEEL, content, OptionalLong.of(content.length), FileLie.ENDLESS, 0);
    start(c -> c.withStreamAfter(16 * 1024));
    refusedOrCut(fileThenHealth(content));
    assertThat(stored(content)).isFalse();
  }

  @Test
  void honestFile_isServedWhole() throws Exception {
    byte[] content = bytes(300_000);
    up.file("lie", WHEEL, content, OptionalLong.of(content.length), FileLie.HONEST, 0);
    start(c -> c.withStreamAfter(16 * 1024));
    var r = get("/files/lie/" + WHEEL);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(content);
    Harness.eventually("the file is kept", () -> stored(content)); // kept just after it is sent
  }

  @Test
  void gzipBombPage_is502() throws Exception {
    up.file("lie", WHEEL, bytes(10), OptionalLong.of(10), FileLie.HONEST, 0)
        .page("lie", PageLie.GZIP_BOMB);
    assertThat(up.gzipBomb().length).as("a small body").isLessThan(1 << 20);
    start(c -> c);
    var r = get("/simple/lie/");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(new String(r.body())).contains("limits.page-size");
  }

  @Test
  void endlessPage_is502AtThePageLimit() throws Exception {
    up.file("lie", WHEEL, bytes(10), OptionalLong.of(10), FileLie.HONEST, 0)
        .page("lie", PageLie.ENDLESS);
    start(c -> c.withLimits(Limits.DEFAULTS.withSizes(Limits.DEFAULTS.fileSize(), 1 << 20)));
    var r = get("/simple/lie/");
    assertThat(r.statusCode()).isIn(502, 504);
    assertThat(new String(r.body())).containsAnyOf("limits.page-size", "timeouts.read");
  }

  @Test
  void drippedPage_endsAtTheReadTimeoutNotAtItsLastByte() throws Exception {
    // ~250 bytes at 500 ms each would take two minutes; timeouts.read is 2 s.
    up.file("lie", WHEEL, bytes(10), OptionalLong.of(10), FileLie.HONEST, 0)
        .page("lie", PageLie.DRIP)
        .drip(Duration.ofMillis(500));
    start(c -> c);
    var r = get("/simple/lie/");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(new String(r.body())).contains("timeouts.read");
  }

  @Test
  void retryAfter503_isHonoured_theUpstreamIsNotAskedAgainMeanwhile() throws Exception {
    up.file("lie", WHEEL, bytes(10), OptionalLong.of(10), FileLie.HONEST, 0)
        .page("lie", PageLie.RETRY_AFTER_503);
    start(c -> c);
    assertThat(get("/simple/lie/").statusCode()).isEqualTo(502);
    var again = get("/simple/lie/");
    assertThat(again.statusCode()).isEqualTo(502);
    assertThat(new String(again.body())).contains("not asked again until");
    assertThat(up.requests("/simple/lie/")).isEqualTo(1);
  }

  @Test
  void retryAfter429_isHonoured() throws Exception {
    up.file("lie", WHEEL, bytes(10), OptionalLong.of(10), FileLie.HONEST, 0)
        .page("lie", PageLie.RETRY_AFTER_429);
    start(c -> c);
    get("/simple/lie/");
    get("/simple/lie/");
    assertThat(up.requests("/simple/lie/")).isEqualTo(1);
  }

  @Test
  void headOnColdFile_withoutDeclaredSize_claimsNoLength() throws Exception {
    byte[] content = bytes(1000);
    up.file("lie", WHEEL, content, OptionalLong.empty(), FileLie.HONEST, 0);
    start(c -> c);
    try (var c = RawHttpClient.connect(proxy.uri(), Duration.ofSeconds(10))) {
      c.send("HEAD /files/lie/" + WHEEL + " HTTP/1.1\r\nHost: x\r\n\r\n");
      var r = c.read(true).orElseThrow();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Length")).isEmpty();
    }
  }
}
