package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.S3Server;
import dev.pypiguard.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17: replicas on one bucket share inspections and the admin's reviews of held files. */
class InspectionScaleOutIT {
  @TempDir Path dir;
  final List<AutoCloseable> open = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  ProxyServer replica(S3Server s3, TestUpstream upstream, Path policy, String name)
      throws Exception {
    Path yaml = dir.resolve(name + ".yaml");
    Files.writeString(yaml, s3.storageYaml("fleet/"));
    var c =
        ConfigLoader.load(
                Optional.of(yaml),
                new ConfigLoader.Flags(
                    Optional.of("127.0.0.1:0"),
                    Optional.of(upstream.uri().toString()),
                    Optional.of(dir.resolve(name)),
                    Optional.of(policy),
                    Optional.empty(),
                    false,
                    List.of()))
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(500));
    ProxyServer p = ProxyServer.start(c);
    open.add(p);
    return p;
  }

  int status(ProxyServer p, String method, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(p.uri() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void secondReplica_usesTheFirstsInspection_andItsClearingWithinSeconds() throws Exception {
    S3Server s3 = S3Server.start(dir.resolve("s3"));
    open.add(s3);
    TestUpstream upstream = TestUpstream.start(TestUpstream.Mode.JSON_AND_HTML);
    open.add(upstream);
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "inspection:\n  rules: {pth-exec: hold}\n");
    Artifact bad = InspectionServerIT.evil("alpha", "1.0");
    upstream.publish(bad);
    ProxyServer a = replica(s3, upstream, policy, "a");
    ProxyServer b = replica(s3, upstream, policy, "b");
    String file = "/files/alpha/" + bad.filename();
    assertThat(status(a, "GET", file)).isEqualTo(403);
    assertThat(s3.keys("fleet/inspections/")).anyMatch(k -> k.endsWith(bad.sha256() + ".json"));
    // b gets the blob and its inspection from the bucket: held too, the upstream asked once.
    assertThat(status(b, "GET", file)).isEqualTo(403);
    assertThat(upstream.requests("/files/" + bad.filename())).isEqualTo(1);
    assertThat(
            Files.exists(
                dir.resolve("b/inspections")
                    .resolve(bad.sha256().substring(0, 2))
                    .resolve(bad.sha256() + ".json")))
        .isTrue();
    assertThat(status(a, "POST", "/-/admin/held/" + bad.sha256() + "/clear?reason=ok"))
        .isEqualTo(200);
    assertThat(status(a, "GET", file)).isEqualTo(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline && (seen = status(b, "GET", file)) != 200) {
      Thread.sleep(200);
    }
    assertThat(seen).isEqualTo(200);
  }
}
