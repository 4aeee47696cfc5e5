package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestCertificates;
import dev.pypiguard.testing.TestEgressProxy;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code egress:}: every upstream connection leaves through the corporate proxy (CONNECT for https,
 * with Basic credentials), upstream TLS is checked against a private CA bundle, and a crafted page
 * cannot send the proxy to a host no upstream owns.
 */
class EgressIT {
  private static final String PROXY_BASIC =
      "Basic "
          + Base64.getEncoder()
              .encodeToString("gateway:pr0xy-pass".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private int starts;

  private ProxyServer start(String egress, URI upstream) throws Exception {
    Files.writeString(dir.resolve("proxy-password"), "pr0xy-pass\n");
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "listen: 127.0.0.1:0",
            "cache-dir: " + dir.resolve("cache-" + starts++),
            "timeouts: {connect: 2s, read: 5s}",
            "upstream: " + upstream,
            egress,
            ""));
    return ProxyServer.start(ConfigLoader.load(Optional.of(config), CliTest.noFlags()));
  }

  private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(proxy.uri() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpsUpstream_throughAuthenticatingProxy_withPrivateCa_pipInstalls() throws Exception {
    PythonEnv.assumePython3();
    var certs = TestCertificates.create();
    certs.writeCa(dir.resolve("corp-ca.pem"));
    try (TestUpstream up = TestUpstream.startTls(certs.serverContext());
        TestEgressProxy egress = TestEgressProxy.start("gateway", "pr0xy-pass")) {
      up.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build());
      up.publish(WheelBuilder.of("beta", "2.0").build());
      String section =
          "egress: {proxy: "
              + egress.uri()
              + ", username: gateway, password-file: proxy-password,"
              + " ca-bundle: corp-ca.pem}";
      try (ProxyServer proxy = start(section, up.uri())) {
        PipResult r =
            PythonEnv.shared()
                .install(
                    URI.create(proxy.uri() + "/simple/"),
                    List.of("--only-binary", ":all:", "alpha"));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
      }
      String target = "127.0.0.1:" + up.port();
      assertThat(egress.seen())
          .filteredOn(s -> s.status() == 200)
          .isNotEmpty()
          .allSatisfy(
              s -> {
                assertThat(s.method()).isEqualTo("CONNECT");
                assertThat(s.target()).isEqualTo(target);
                assertThat(s.proxyAuthorization()).isEqualTo(PROXY_BASIC);
              });
      // Nothing reached the upstream but through the tunnel: it saw every page and file fetched.
      assertThat(up.requestPaths()).contains("/simple/alpha/", "/simple/beta/");
    }
  }

  @Test
  void privateCaNotTrusted_withoutBundle_is502_andNothingIsCached() throws Exception {
    var certs = TestCertificates.create();
    try (TestUpstream up = TestUpstream.startTls(certs.serverContext());
        TestEgressProxy egress = TestEgressProxy.open()) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      try (ProxyServer proxy = start("egress: {proxy: " + egress.uri() + "}", up.uri())) {
        var r = get(proxy, "/simple/alpha/");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).containsIgnoringCase("certif");
        assertThat(up.requestPaths()).isEmpty();
      }
    }
  }

  @Test
  void wrongProxyPassword_is502_notAHang() throws Exception {
    try (TestUpstream up = TestUpstream.start();
        TestEgressProxy egress = TestEgressProxy.start("gateway", "another-password")) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      String section =
          "egress: {proxy: " + egress.uri() + ", username: gateway, password-file: proxy-password}";
      try (ProxyServer proxy = start(section, up.uri())) {
        var r = get(proxy, "/simple/alpha/");
        assertThat(r.statusCode()).isIn(502, 504);
        assertThat(up.requestPaths()).isEmpty();
        assertThat(egress.seen())
            .isNotEmpty()
            .allSatisfy(s -> assertThat(s.status()).isEqualTo(407));
      }
    }
  }

  @Test
  void plainHttpUpstream_isForwardedByTheProxy_andNoProxyHostsGoDirect() throws Exception {
    try (TestUpstream up = TestUpstream.start();
        TestEgressProxy egress = TestEgressProxy.open()) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      try (ProxyServer proxy = start("egress: {proxy: " + egress.uri() + "}", up.uri())) {
        assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
        assertThat(get(proxy, "/files/alpha/alpha-1.0-py3-none-any.whl").statusCode())
            .isEqualTo(200);
      }
      assertThat(egress.seen())
          .extracting(TestEgressProxy.Seen::target)
          .contains(up.uri() + "alpha/", up.fileUri("alpha-1.0-py3-none-any.whl").toString());

      int before = egress.seen().size();
      up.clearRequests();
      try (ProxyServer proxy =
          start("egress: {proxy: " + egress.uri() + ", no-proxy: [127.0.0.1]}", up.uri())) {
        assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
      }
      assertThat(up.requestPaths()).contains("/simple/alpha/");
      assertThat(egress.seen()).hasSize(before);
    }
  }

  @Test
  void craftedPage_fileOnAnotherHost_isRefused_andTheProxyIsNeverAskedForIt() throws Exception {
    try (TestUpstream up = TestUpstream.start();
        TestUpstream elsewhere = TestUpstream.start();
        TestEgressProxy egress = TestEgressProxy.open()) {
      var wheel = WheelBuilder.of("alpha", "1.0").build();
      up.publish(wheel);
      elsewhere.publish(wheel);
      up.fileOrigin("http://127.0.0.1:" + elsewhere.port());
      try (ProxyServer proxy = start("egress: {proxy: " + egress.uri() + "}", up.uri())) {
        assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
        var file = get(proxy, "/files/alpha/alpha-1.0-py3-none-any.whl");
        assertThat(file.statusCode()).isEqualTo(502);
        assertThat(file.body()).contains("not an upstream host");
      }
      assertThat(elsewhere.requestCount()).isZero();
      assertThat(egress.seen())
          .extracting(TestEgressProxy.Seen::target)
          .noneMatch(t -> t.contains(":" + elsewhere.port()));
    }
  }

  @Test
  void osvApiLookups_goThroughTheEgressProxyToo() throws Exception {
    var osv =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    osv.createContext(
        "/v1/querybatch",
        ex -> {
          int queries =
              new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                      .split("\"package\"")
                      .length
                  - 1;
          byte[] body =
              ("{\"results\": ["
                      + String.join(",", java.util.Collections.nCopies(queries, "{}"))
                      + "]}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    osv.start();
    try (TestUpstream up = TestUpstream.start();
        TestEgressProxy egress = TestEgressProxy.open()) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      String section =
          "egress: {proxy: "
              + egress.uri()
              + "}\nadvisories: osv-api:http://127.0.0.1:"
              + osv.getAddress().getPort();
      try (ProxyServer proxy = start(section, up.uri())) {
        assertThat(get(proxy, "/simple/alpha/").statusCode()).isEqualTo(200);
      }
      assertThat(egress.seen())
          .extracting(TestEgressProxy.Seen::target)
          .contains("http://127.0.0.1:" + osv.getAddress().getPort() + "/v1/querybatch");
    } finally {
      osv.stop(0);
    }
  }

  @Test
  void badEgressSections_areNamedWithFileLineAndKey() throws Exception {
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "egress:",
            "  proxy: socks5://proxy:1080",
            "  ca-bundle: missing.pem",
            "  colour: blue",
            ""));
    Assertions.assertThatThrownBy(() -> ConfigLoader.load(Optional.of(config), CliTest.noFlags()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "pypi-guard.yaml:2: egress.proxy: expected a URL like http://proxy.corp:3128")
        .hasMessageContaining("pypi-guard.yaml:3: egress.ca-bundle: ")
        .hasMessageContaining("pypi-guard.yaml:4: egress.colour: unknown key");

    Files.writeString(dir.resolve("not-pem.pem"), "hello");
    Files.writeString(
        config,
        "listen: 127.0.0.1:0\ncache-dir: "
            + dir.resolve("c")
            + "\negress: {ca-bundle: not-pem.pem}\n");
    Assertions.assertThatThrownBy(
            () -> ProxyServer.start(ConfigLoader.load(Optional.of(config), CliTest.noFlags())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("egress.ca-bundle: ");
  }
}
