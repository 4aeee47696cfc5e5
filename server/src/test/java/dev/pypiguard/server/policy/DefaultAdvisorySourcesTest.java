package dev.pypiguard.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.upstream.Upstream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Advisory data without configuration (issue 18): which sources are used when none is named. */
class DefaultAdvisorySourcesTest {
  @TempDir Path cache;

  static final List<Upstream> PYPI =
      List.of(Upstream.of("pypi", URI.create("https://pypi.org/simple/")));
  static final List<Upstream> MIRROR =
      List.of(Upstream.of("mirror", URI.create("http://10.0.0.7:8080/simple/")));

  @Test
  void nothingNamed_inFrontOfPypi_bundledAndOsvApi() {
    assertThat(DefaultAdvisorySources.resolve(List.of(), cache, PYPI, false))
        .containsExactly("bundled", "osv-api");
  }

  @Test
  void nothingNamed_offlineOrAMirror_bundledOnly_noLookupLeavesTheMachine() {
    assertThat(DefaultAdvisorySources.resolve(List.of(), cache, PYPI, true))
        .containsExactly("bundled");
    assertThat(DefaultAdvisorySources.resolve(List.of(), cache, MIRROR, false))
        .containsExactly("bundled");
    assertThat(DefaultAdvisorySources.resolve(List.of(), cache, List.of(), false))
        .containsExactly("bundled");
  }

  @Test
  void nothingNamed_importedZipsComeFirst() throws Exception {
    Path dir = Files.createDirectories(cache.resolve("advisories"));
    Files.writeString(dir.resolve("b.zip"), "");
    Files.writeString(dir.resolve("a.zip"), "");
    Files.writeString(dir.resolve("download123.part"), "");
    assertThat(DefaultAdvisorySources.resolve(List.of(), cache, MIRROR, false))
        .containsExactly(
            dir.resolve("a.zip").toString(), dir.resolve("b.zip").toString(), "bundled");
  }

  @Test
  void named_replaceEveryDefault() {
    assertThat(DefaultAdvisorySources.resolve(List.of("bundled"), cache, PYPI, false))
        .containsExactly("bundled");
    assertThat(DefaultAdvisorySources.resolve(List.of("/data/osv"), cache, PYPI, false))
        .containsExactly("/data/osv");
  }
}
