package dev.pypiguard.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.server.config.Storage;
import dev.pypiguard.testing.S3Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3ObjectStore} against a real S3 API (S3Proxy): start-up checks, uploads, reads. */
class S3ObjectStoreIT {
  @TempDir static Path dir;
  static S3Server s3;

  @BeforeAll
  static void start() {
    s3 = S3Server.start(dir.resolve("s3"));
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  static Storage.S3 config(URI endpoint, String bucket, String secret) {
    return new Storage.S3(
        Optional.of(endpoint),
        "us-east-1",
        bucket,
        "t/",
        true,
        Optional.of(new Storage.Credentials(S3Server.ACCESS_KEY, secret)));
  }

  @Test
  void open_wrongSecret_isOneLineConfigError_withoutTheSecret() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                S3ObjectStore.open(
                    config(s3.endpoint(), S3Server.BUCKET, "wrong-secret"),
                    new SimpleMeterRegistry()));
    assertThat(e.getMessage())
        .isEqualTo(
            "storage: s3://pypi-guard/t/ at "
                + s3.endpoint()
                + " refused the credentials (HTTP 403): check access-key and secret-key, or the AWS environment variables");
  }

  @Test
  void open_noCredentialsAnywhere_isOneLineConfigError() {
    // The test JVM has no AWS_* variables, profiles or instance role.
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv("AWS_ACCESS_KEY_ID") == null
            && !Files.exists(Path.of(System.getProperty("user.home"), ".aws")));
    var none =
        new Storage.S3(
            Optional.of(s3.endpoint()), "us-east-1", S3Server.BUCKET, "", true, Optional.empty());
    var e =
        catchThrowableOfType(
            ConfigException.class, () -> S3ObjectStore.open(none, new SimpleMeterRegistry()));
    assertThat(e.getMessage())
        .startsWith("storage: no credentials for s3://pypi-guard/")
        .endsWith("or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }

  @Test
  void open_missingBucket_isOneLineConfigError() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                S3ObjectStore.open(
                    config(s3.endpoint(), "no-such-bucket", S3Server.SECRET_KEY),
                    new SimpleMeterRegistry()));
    assertThat(e.getMessage())
        .startsWith("storage.bucket: s3://no-such-bucket/t/")
        .endsWith("does not exist (create it first)");
  }

  @Test
  void open_unreachableEndpoint_starts_andReportsIt() throws Exception {
    int closed;
    try (var socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    try (var store =
        S3ObjectStore.open(
            config(URI.create("http://127.0.0.1:" + closed), S3Server.BUCKET, S3Server.SECRET_KEY),
            new SimpleMeterRegistry())) {
      assertThat(store.reachable()).isFalse();
      assertThat(store.health())
          .contains("unreachable since")
          .contains("serving what the local tier holds");
    }
  }

  @Test
  void upload_multipart_isReadBackWhole_andSmallFilesInOnePut() throws Exception {
    byte[] big = new byte[(int) (S3ObjectStore.PART * 2 + 12345)];
    new Random(1).nextBytes(big);
    Path file = Files.write(dir.resolve("big.bin"), big);
    Path small = Files.write(dir.resolve("small.bin"), new byte[] {1, 2, 3});
    try (var store =
        S3ObjectStore.open(
            config(s3.endpoint(), S3Server.BUCKET, S3Server.SECRET_KEY),
            new SimpleMeterRegistry())) {
      store.upload("blobs/big", file);
      store.upload("blobs/small", small);
      store.upload("blobs/small", small); // again: the object is there, nothing changes
      assertThat(s3.read("t/blobs/big")).isEqualTo(big);
      assertThat(s3.read("t/blobs/small")).containsExactly(1, 2, 3);
      try (ObjectStore.Body body = store.open("blobs/big").orElseThrow()) {
        assertThat(body.length()).isEqualTo(big.length);
        assertThat(body.stream().readAllBytes()).isEqualTo(big);
      }
      assertThat(store.open("blobs/none")).isEmpty();
      assertThat(store.exists("blobs/none")).isFalse();
      assertThat(store.list("blobs/")).containsExactly("blobs/big", "blobs/small");
      assertThat(s3.pendingUploads()).isZero();
    }
  }
}
