package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.HeadlessChromium;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser (issue 7): after a few pip installs and one blocked install,
 * headless Chromium loads {@code /} and the DOM it built shows the cache, the upstream up, and the
 * block with its reason; a reason with markup in it stays text.
 */
class StatusPageBrowserIT {
  @TempDir Path dir;

  @Test
  void statusPage_inChromium_showsCacheUpstreamAndTheBlock() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.require();
    PythonEnv.assumePython3();
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "release-age: {minimum: 7d}\nfiles: {yanked: hide}\n");
    try (Harness h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)))) {
      h.upstream.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build());
      h.upstream.publish(WheelBuilder.of("beta", "1.0").build());
      h.upstream.publish(WheelBuilder.of("gamma", "3.0").build());
      h.upstream.publish(
          WheelBuilder.of("gamma", "3.1").build(),
          FileOptions.defaults().withYanked("<img id=pwned src=x onerror=alert(1)>"));
      Artifact fresh = WheelBuilder.of("delta", "2.0").build();
      h.upstream.publish(
          fresh, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofHours(50))));

      PythonEnv py = PythonEnv.shared();
      PipResult first = py.install(h.index(), List.of("--only-binary", ":all:", "alpha"));
      assertThat(first.succeeded()).as(first.toString()).isTrue();
      PipResult second = py.install(h.index(), List.of("--only-binary", ":all:", "gamma"));
      assertThat(second.succeeded()).as(second.toString()).isTrue();
      assertThat(second.installedVersions()).isEqualTo(Map.of("gamma", "3.0"));
      PipResult blocked = py.install(h.index(), List.of("--only-binary", ":all:", "delta==2.0"));
      assertThat(blocked.succeeded()).isFalse();
      long stored;
      try (Stream<Path> files = Files.walk(h.cacheDir.resolve("blobs/sha256"))) {
        stored = files.filter(Files::isRegularFile).count();
      }
      assertThat(stored).isGreaterThanOrEqualTo(3);

      HeadlessChromium.Run run =
          chromium.dumpDom(URI.create(h.proxy.uri() + "/"), Duration.ofSeconds(60));
      assertThat(run.timedOut()).as(run.log()).isFalse();
      String dom = run.dom();
      assertThat(dom)
          .as(run.log())
          .contains("<title>pypi-guard status</title>")
          .contains("<td class=\"n\" id=\"stored-files\">" + stored + "</td>")
          .contains("<td class=\"n\" id=\"pages\">4</td>")
          .contains("<td class=\"state up\">up</td>")
          .contains(
              "<td class=\"project\">delta</td><td class=\"file\">" + fresh.filename() + "</td>")
          .contains("<td class=\"rule\">release-age</td>")
          .contains("release-age: uploaded 2 days ago, minimum is 7 days")
          .contains("<td class=\"rule\">yanked</td>")
          .contains("&lt;img id=pwned src=x onerror=alert(1)&gt;")
          .doesNotContain("id=\"pwned\"")
          .doesNotContain("<img");
      assertThat(dom).containsPattern("id=\"hit-rate\">\\d+\\.\\d%</td>");
      // -Dpypiguard.screenshot=FILE.png keeps a picture of the page, for people to look at.
      String png = System.getProperty("pypiguard.screenshot");
      if (png != null) {
        HeadlessChromium.Run shot =
            chromium.screenshot(
                URI.create(h.proxy.uri() + "/"), Path.of(png), Duration.ofSeconds(60));
        assertThat(Files.size(Path.of(png))).as(shot.log()).isPositive();
      }
    }
  }
}
