package dev.pypiguard.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.ProxyServer;
import dev.pypiguard.server.cli.Main;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --record}: what pip fetched, seeded again from the record file. */
class RecordIT {
  @TempDir Path tmp;

  @Test
  void record_pipFetches_seedReadsThemBack() throws Exception {
    PythonEnv.assumePython3();
    Path record = tmp.resolve("fetched.txt");
    try (TestUpstream up = TestUpstream.start()) {
      Artifact alpha = WheelBuilder.of("alpha", "1.0").requires("beta").build();
      Artifact beta = WheelBuilder.of("beta", "2.0").build();
      up.publishAll(alpha, beta, WheelBuilder.of("beta", "1.0").build());
      ServerConfig cfg =
          ServerConfig.defaults(up.uri(), tmp.resolve("cache"))
              .withPort(0)
              .withRecordFile(Optional.of(record));
      try (ProxyServer proxy = ProxyServer.start(cfg)) {
        PipResult r =
            PythonEnv.shared()
                .install(
                    URI.create(proxy.uri() + "/simple/"),
                    List.of("--only-binary", ":all:", "alpha"));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
      }
      assertThat(Files.readAllLines(record))
          .containsExactlyInAnyOrder(
              "alpha==1.0 --hash=sha256:" + alpha.sha256(),
              "beta==2.0 --hash=sha256:" + beta.sha256());

      Path cache = tmp.resolve("seeded");
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "-r",
                  record.toString()))
          .isZero();
      for (Artifact a : List.of(alpha, beta)) {
        String h = a.sha256();
        assertThat(
                cache.resolve(
                    "blobs/sha256/" + h.substring(0, 2) + "/" + h.substring(2, 4) + "/" + h))
            .exists();
      }
    }
  }
}
