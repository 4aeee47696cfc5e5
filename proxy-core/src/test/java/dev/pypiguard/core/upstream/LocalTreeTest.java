package dev.pypiguard.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file: upstream reads inside its tree and nothing outside it. */
class LocalTreeTest {
  @TempDir Path dir;

  @Test
  void confine_traversalAttempts_refused() throws Exception {
    Path root = Files.createDirectories(dir.resolve("mirror"));
    Files.createDirectories(root.resolve("simple/alpha"));
    Files.writeString(dir.resolve("secret.whl"), "secret");
    Files.createSymbolicLink(root.resolve("simple/alpha/link.whl"), dir.resolve("secret.whl"));
    Upstream u = Upstream.of("m", root.resolve("simple").toUri());
    var hosts = u.allowedHosts();
    String base = root.toUri().toString();

    assertThat(LocalTree.confine(URI.create(base + "simple/alpha/"), hosts)).isPresent();
    assertThat(LocalTree.confine(URI.create(base + "simple/../../secret.whl"), hosts)).isEmpty();
    assertThat(LocalTree.confine(URI.create(base + "simple/%2e%2e/%2e%2e/secret.whl"), hosts))
        .isEmpty();
    assertThat(LocalTree.confine(dir.resolve("secret.whl").toUri(), hosts)).isEmpty();
    assertThat(LocalTree.confine(URI.create(base + "simple/alpha/link.whl"), hosts)).isEmpty();
    assertThat(LocalTree.confine(URI.create("file:/etc/passwd"), hosts)).isEmpty();
  }

  @Test
  void clientDownload_outsideTree_failsWithoutBytes() throws Exception {
    Path root = Files.createDirectories(dir.resolve("mirror/simple"));
    Files.writeString(dir.resolve("secret.whl"), "secret");
    Upstream u = Upstream.of("m", root.toUri());
    var failed = new AtomicReference<String>();
    var body = new ByteArrayOutputStream();
    try (var client = new UpstreamClient(UpstreamClient.Settings.defaults("test"))) {
      client
          .download(
              URI.create(root.toUri() + "../../secret.whl"),
              u.allowedHosts(),
              b -> {},
              new DownloadSink() {
                @Override
                public void start(OptionalLong length) {}

                @Override
                public void data(ByteBuffer bytes) {
                  body.write(bytes.get());
                }

                @Override
                public void end() {}

                @Override
                public void failed(String reason, boolean notFound, boolean timedOut) {
                  failed.set(reason);
                }
              })
          .join();
      assertThat(failed.get()).contains("outside the local mirror");
      assertThat(body.size()).isZero();
      PageFetch page =
          client
              .page(
                  root.resolve("alpha").toUri(),
                  "text/html",
                  Optional.empty(),
                  u.allowedHosts(),
                  b -> {})
              .join();
      assertThat(page).isInstanceOf(PageFetch.NotFound.class);
    }
  }
}
