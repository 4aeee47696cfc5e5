package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the pips users really have, through the proxy, in front of an upstream that names core
 * metadata only the pre-PEP 714 way. pip 23.0.1 (Debian 12's {@code python3-pip}) crashed with
 * {@code TypeError: unhashable type: 'dict'} on the JSON the proxy made of such a page.
 */
class PipVersionsIT {
  /** pip 26.2.1's wheel on this machine's local index (no PyPI here). */
  static final Path PIP_26 = Path.of("/opt/pypi/files/pip-26.2.1-py3-none-any.whl");

  @TempDir Path cache;

  @BeforeAll
  static void python() {
    PythonEnv.assumePython3();
  }

  private void installsThroughProxy(PythonEnv py, TestUpstream.Mode mode) {
    try (Harness h = Harness.start(mode, cache, Harness::permissive)) {
      h.upstream.legacyMetadataNames(true);
      h.upstream.publish(WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").build());
      h.upstream.publish(WheelBuilder.of("beta", "2.0").build());

      PipResult r = py.install(h.index(), List.of("--only-binary", ":all:", "alpha"));

      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.output()).doesNotContain("unhashable").doesNotContain("Traceback");
      assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
    }
  }

  @Test
  void debianPip2301_htmlUpstreamWithLegacyMetadata_installs() {
    Optional<PythonEnv> debian = PythonEnv.debian();
    dev.pypiguard.testing.RequiredTool.require(
        debian.isPresent(), "Debian's pip is not installed (apt-get install -y python3-pip)");
    PythonEnv py = debian.orElseThrow();
    assertThat(py.pipVersion()).startsWith("23.0");
    installsThroughProxy(py, TestUpstream.Mode.HTML_ONLY);
    installsThroughProxy(py, TestUpstream.Mode.JSON_AND_HTML);
  }

  @Test
  void venvPip2321_htmlUpstreamWithLegacyMetadata_installs() {
    PythonEnv py = PythonEnv.shared();
    installsThroughProxy(py, TestUpstream.Mode.HTML_ONLY);
  }

  @Test
  void pip2621_htmlUpstreamWithLegacyMetadata_installs() {
    Assumptions.assumeTrue(
        Files.isRegularFile(PIP_26) || System.getenv("CI") != null,
        "no local pip 26.2.1 wheel at " + PIP_26);
    PythonEnv py = PythonEnv.withPipWheel("pip26-venv", PIP_26);
    assertThat(py.pipVersion()).isEqualTo("26.2.1");
    installsThroughProxy(py, TestUpstream.Mode.HTML_ONLY);
  }
}
