package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.S3Server;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: replicas sharing one S3 bucket (S3Proxy on loopback). Each replica has its own
 * cache directory as its local tier; what one cached, any other serves.
 */
class ScaleOutTest {
  private static final String PREFIX = "fleet/";

  @TempDir Path dir;
  S3Server s3;
  TestUpstream upstream;
  final List<ProxyServer> replicas = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    s3 = S3Server.start(dir.resolve("s3"));
    upstream = TestUpstream.start(TestUpstream.Mode.JSON_AND_HTML);
  }

  @AfterEach
  void stop() {
    replicas.forEach(ProxyServer::close);
    if (upstream != null) {
      upstream.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** A replica configured through a config file's {@code storage:} section. */
  ProxyServer replica(String name) {
    try {
      Path yaml = dir.resolve(name + ".yaml");
      Files.writeString(yaml, s3.storageYaml(PREFIX));
      ServerConfig c = ConfigLoader.load(Optional.of(yaml), new ConfigLoader.Flags(
              Optional.of("127.0.0.1:0"), Optional.of(upstream.uri().toString()),
              Optional.of(dir.resolve(name)), Optional.empty(), Optional.empty(), false, List.of()))
          .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(500));
      ProxyServer p = ProxyServer.start(c);
      replicas.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  HttpResponse<byte[]> get(ProxyServer p, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(p.uri() + path)).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String blobKey(Artifact a) {
    return PREFIX + "blobs/sha256/" + a.sha256().substring(0, 2) + "/" + a.sha256();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for something the replicas do in the background (uploads, probes), up to 30 s. */
  static void eventually(String what, BooleanSupplier condition) {
    eventually(what, condition, () -> "");
  }

  static void eventually(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
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

  @Test
  void pipInstall_throughReplicaA_thenThroughReplicaBWithUpstreamStopped_succeeds() {
    PythonEnv.assumePython3();
    Artifact alpha = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").build();
    Artifact beta = WheelBuilder.of("beta", "2.0").build();
    upstream.publishAll(alpha, beta);
    ProxyServer a = replica("a");
    ProxyServer b = replica("b");
    List<String> args = List.of("--only-binary", ":all:", "alpha");

    PipResult first = PythonEnv.shared().install(URI.create(a.uri() + "/simple/"), args);
    assertThat(first.succeeded()).as(first.toString()).isTrue();
    eventually("both wheels uploaded", () -> s3.keys(PREFIX + "blobs/").containsAll(
        List.of(blobKey(alpha), blobKey(beta))));
    assertThat(s3.keys(PREFIX + "pages/pypi/")).contains(PREFIX + "pages/pypi/alpha.json",
        PREFIX + "pages/pypi/beta.json");

    upstream.stop();
    PipResult second = PythonEnv.shared().install(URI.create(b.uri() + "/simple/"), args);
    assertThat(second.succeeded()).as(second.toString()).isTrue();
    assertThat(second.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
  }

  @Test
  void coldFetch_fromBothReplicasAtOnce_bothGetTheFileAndTheStoreHoldsOneCorrectObject() {
    // Larger than a multipart part (16 MiB): the upload goes in parts.
    Artifact big = WheelBuilder.large("big", "1.0", 40 * 1024 * 1024, 7);
    upstream.publish(big);
    ProxyServer a = replica("a");
    ProxyServer b = replica("b");
    String path = "/files/big/" + big.filename();
    assertThat(get(a, "/simple/big/").statusCode()).isEqualTo(200);
    assertThat(get(b, "/simple/big/").statusCode()).isEqualTo(200);

    var fromA = CompletableFuture.supplyAsync(() -> get(a, path));
    var fromB = CompletableFuture.supplyAsync(() -> get(b, path));
    for (HttpResponse<byte[]> r : List.of(fromA.join(), fromB.join())) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(sha256(r.body())).isEqualTo(big.sha256());
    }
    // While an upload runs, S3Proxy's file backend lists a part file beside the key; GET never
    // sees it. Once both replicas are done, the one object is all there is.
    eventually("one object, no upload left pending",
        () -> s3.keys(PREFIX + "blobs/").equals(List.of(blobKey(big))) && s3.pendingUploads() == 0,
        () -> s3.keys(PREFIX + "blobs/") + ", " + s3.pendingUploads() + " uploads pending");
    assertThat(sha256(s3.read(blobKey(big)))).isEqualTo(big.sha256());
  }

  @Test
  void fileCachedByReplicaA_isServedByReplicaB_fromTheStore_withoutTheUpstream() {
    Artifact big = WheelBuilder.large("big", "1.0", 20 * 1024 * 1024, 11);
    upstream.publish(big);
    ProxyServer a = replica("a");
    String path = "/files/big/" + big.filename();
    assertThat(get(a, path).statusCode()).isEqualTo(200);
    eventually("the object is visible", () -> s3.keys(PREFIX + "blobs/").contains(blobKey(big)));

    ProxyServer b = replica("b");
    assertThat(get(b, "/simple/big/").statusCode()).isEqualTo(200);
    upstream.clearRequests();
    var r = get(b, path);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(sha256(r.body())).isEqualTo(big.sha256());
    assertThat(upstream.requests(URI.create(upstream.fileUri(big.filename()).toString()).getPath()))
        .as("served from the store, not the upstream").isZero();
    assertThat(text(get(b, "/metrics"))).contains("pypiguard_store_requests_seconds_count{op=\"get\",outcome=\"ok\"}");
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
