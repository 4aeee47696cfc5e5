package dev.pypiguard.server;

import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.TestUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A proxy on port 0 in front of a {@link TestUpstream} on port 0, with a cache in a temporary
 * directory, and an HTTP client to talk to the proxy.
 */
final class Harness implements AutoCloseable {
  final TestUpstream upstream;
  final Path cacheDir;
  private final UnaryOperator<ServerConfig> tweak;
  ProxyServer proxy;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Harness(TestUpstream upstream, Path cacheDir, UnaryOperator<ServerConfig> tweak) {
    this.upstream = upstream;
    this.cacheDir = cacheDir;
    this.tweak = tweak;
    this.proxy = startProxy();
  }

  static Harness start(Path cacheDir) {
    return start(TestUpstream.Mode.JSON_AND_HTML, cacheDir, c -> c);
  }

  static Harness start(TestUpstream.Mode mode, Path cacheDir, UnaryOperator<ServerConfig> tweak) {
    return new Harness(TestUpstream.start(mode), cacheDir, tweak);
  }

  /**
   * An explicit policy file that blocks nothing beyond the baseline rules, for tests of serving
   * rather than of policy: without a policy file the server enforces the built-in policy (issue
   * 18), whose cooldown, first-seen and attestation rules those tests do not set up for.
   */
  static ServerConfig permissive(ServerConfig c) {
    return c.withPolicyFile(java.util.Optional.of(PermissivePolicy.FILE));
  }

  /** The permissive policy file, written once per test run. */
  private static final class PermissivePolicy {
    static final Path FILE = write();

    private static Path write() {
      try {
        Path f = java.nio.file.Files.createTempFile("permissive-policy", ".yaml");
        f.toFile().deleteOnExit();
        java.nio.file.Files.writeString(
            f, "# An empty policy: nothing blocked beyond the baseline rules.\n");
        return f;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The config every test starts from: short timeouts, port 0. */
  ServerConfig config() {
    return tweak.apply(
        ServerConfig.defaults(upstream.uri(), cacheDir)
            .withPort(0)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(500)));
  }

  private ProxyServer startProxy() {
    try {
      return ProxyServer.start(config());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the proxy and starts a new one on the same cache (a new port). */
  void restart() {
    proxy.close();
    proxy = startProxy();
  }

  void restart(UnaryOperator<ServerConfig> more) {
    proxy.close();
    try {
      proxy = ProxyServer.start(more.apply(config()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI index() {
    return URI.create(proxy.uri() + "/simple/");
  }

  URI url(String path) {
    return URI.create(proxy.uri() + path);
  }

  HttpResponse<byte[]> get(String path, String... headers) {
    return send("GET", path, headers);
  }

  HttpResponse<byte[]> send(String method, String path, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until the cache keeps the file with this sha256: a small file goes out before it is
   * forced and renamed into the store, so a request sent right after its response may still join
   * its download (a miss) rather than hit.
   */
  void awaitKept(String sha256) {
    eventually(
        "the file " + sha256 + " is kept",
        () -> proxy.store().find(new dev.pypiguard.core.blob.Sha256(sha256)).isPresent());
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    proxy.close();
    upstream.close();
  }

  /**
   * Waits for something the proxy does in the background (uploads, probes, keeping a file it has
   * sent), up to 30 s.
   */
  static void eventually(String what, java.util.function.BooleanSupplier condition) {
    eventually(what, condition, () -> "");
  }

  static void eventually(
      String what,
      java.util.function.BooleanSupplier condition,
      java.util.function.Supplier<String> state) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what + " " + state.get());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
