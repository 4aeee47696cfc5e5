package dev.pypiguard.core.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which running download a request joins. */
class DownloadsTest {
  @TempDir Path dir;

  @Test
  void aDownloadThatFailed_isNotJoined_evenBeforeItIsGoneFromTheRunningOnes() throws Exception {
    Path root = Files.createDirectories(dir.resolve("mirror/simple"));
    Path wheel = root.resolve("w-1.0-py3-none-any.whl");
    Files.writeString(wheel, "not the bytes the page declares");
    Sha256 declared = Sha256.of("the bytes the page declares".getBytes(UTF_8));
    URI url = wheel.toUri();
    var allowed = Upstream.of("m", root.toUri()).allowedHosts();
    var downloads = new Downloads(new FileSystemBlobStore(dir.resolve("cache")), d -> {});
    var joined = new CompletableFuture<Download>();
    try (var client = new UpstreamClient(UpstreamClient.Settings.defaults("test"))) {
      java.util.function.Function<java.util.function.Consumer<Download>, Download> fetch =
          fromUpstream ->
              downloads.fetch(
                  declared,
                  "w-1.0-py3-none-any.whl",
                  url,
                  OptionalLong.empty(),
                  allowed,
                  b -> {},
                  client,
                  fromUpstream);
      // Registered after the removal from the running ones, so it runs before it (a future runs
      // its dependents last first): a request that comes as the download fails.
      Download first =
          fetch.apply(
              d -> d.result().whenComplete((p, e) -> joined.complete(fetch.apply(again -> {}))));
      Download second = joined.get(10, TimeUnit.SECONDS);
      assertThat(first.result()).isCompletedExceptionally();
      assertThat(second).as("a new download, not the failed one").isNotSameAs(first);
      second.result().handle((p, e) -> null).get(10, TimeUnit.SECONDS);
    }
  }
}
