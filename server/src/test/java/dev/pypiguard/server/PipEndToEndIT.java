package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real pip through the proxy: install, install with the upstream stopped, restart and install. */
class PipEndToEndIT {
  @TempDir Path cache;

  @BeforeAll
  static void python() {
    PythonEnv.assumePython3();
  }

  @Test
  void pipInstall_throughProxy_survivesUpstreamLossAndRestart() {
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, c -> c)) {
      h.upstream.publish(WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").build());
      h.upstream.publishAll(
          WheelBuilder.of("beta", "1.0").build(), WheelBuilder.of("beta", "2.0").build());
      PythonEnv py = PythonEnv.shared();
      List<String> args = List.of("--only-binary", ":all:", "alpha");

      PipResult first = py.install(h.index(), args);
      assertThat(first.succeeded()).as(first.toString()).isTrue();
      assertThat(first.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
      assertThat(py.importedVersion("beta", first.target())).isEqualTo("2.0");

      h.upstream.stop();
      PipResult second = py.install(h.index(), args);
      assertThat(second.succeeded()).as(second.toString()).isTrue();
      assertThat(second.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));

      h.restart();
      PipResult third = py.install(h.index(), args);
      assertThat(third.succeeded()).as(third.toString()).isTrue();
      assertThat(third.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
    }
  }

  @Test
  void pipInstall_htmlOnlyUpstream_works() {
    // No upload times on an HTML-only index: the built-in policy's first-seen cooldown would
    // hold these files for 7 days; this test is about reading such an index.
    try (Harness h = Harness.start(TestUpstream.Mode.HTML_ONLY, cache, Harness::permissive)) {
      h.upstream.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build());
      h.upstream.publish(WheelBuilder.of("beta", "3.1").build());
      PipResult r =
          PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha"));
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "3.1"));
    }
  }

  @Test
  void pipInstall_corruptedUpstreamFile_failsAndNothingIsCached() {
    try (Harness h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, cache, c -> c)) {
      var alpha = WheelBuilder.of("alpha", "1.0").build();
      h.upstream.publish(alpha);
      h.upstream.corrupt(alpha.filename());
      PipResult r =
          PythonEnv.shared().install(h.index(), List.of("--only-binary", ":all:", "alpha"));
      assertThat(r.succeeded()).isFalse();
      assertThat(r.output()).contains("502");
    }
  }
}
