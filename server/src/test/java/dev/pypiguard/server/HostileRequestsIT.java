package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.RawHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: requests crafted against the proxy: control bytes, rebinding Host names. */
class HostileRequestsIT {
  @TempDir Path cache;
  Harness h;

  @BeforeEach
  void start() {
    h = Harness.start(cache);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private RawHttpClient.Response raw(String request) throws Exception {
    try (var c = RawHttpClient.connect(h.proxy.uri(), Duration.ofSeconds(10))) {
      c.send(request);
      return c.read(false).orElseThrow();
    }
  }

  @Test
  void controlBytesInTheQuery_are400() throws Exception {
    assertThat(raw("GET /simple/?format=%00x HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(400);
    assertThat(raw("GET /simple/?a=%1b%5b31m HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(400);
    assertThat(raw("GET /simple/?a=\u0007 HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(400);
    assertThat(raw("GET /simple/?a=b%20c HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
  }

  @Test
  void adminWithoutAuth_refusesAHostThatIsNotLocal_dnsRebinding() throws Exception {
    int port = h.proxy.address().getPort();
    assertThat(
            raw("GET /-/admin/stats HTTP/1.1\r\nHost: evil.example:" + port + "\r\n\r\n").status())
        .isEqualTo(403);
    assertThat(raw("GET /-/admin/stats HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n\r\n").status())
        .isEqualTo(403);
    assertThat(raw("GET /-/admin/stats HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n").status())
        .isEqualTo(200);
    assertThat(raw("GET /-/admin/stats HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").status())
        .isEqualTo(200);
    assertThat(raw("GET /-/admin/stats HTTP/1.1\r\nHost: [::1]:" + port + "\r\n\r\n").status())
        .isEqualTo(200);
    // Pages are not the admin API: any Host may read them.
    assertThat(raw("GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n").status()).isEqualTo(200);
  }
}
