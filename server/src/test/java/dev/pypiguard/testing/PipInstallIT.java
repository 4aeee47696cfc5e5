package dev.pypiguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real pip against the test upstream: proves the generated distributions and pages are real. */
class PipInstallIT {

  private TestUpstream up;
  private Artifact alpha;

  @BeforeEach
  void setUp() {
    PythonEnv.assumePython3();
    up = TestUpstream.start();
    alpha = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").requiresPython(">=3.8").build();
    up.publishAll(
        alpha, WheelBuilder.of("beta", "1.0").build(), WheelBuilder.of("beta", "2.0").build());
  }

  @AfterEach
  void tearDown() {
    if (up != null) {
      up.close();
    }
  }

  @ParameterizedTest
  @EnumSource(TestUpstream.Mode.class)
  void install_alphaWithDependency_installsAlphaAndNewestBeta(TestUpstream.Mode mode) {
    up.mode(mode);

    PipResult r = PythonEnv.shared().install(up.uri(), List.of("--only-binary", ":all:", "alpha"));

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).isEqualTo(java.util.Map.of("alpha", "1.0", "beta", "2.0"));
    assertThat(r.installedDistInfos()).containsExactly("alpha-1.0.dist-info", "beta-2.0.dist-info");
    assertThat(PythonEnv.shared().importedVersion("alpha", r.target())).isEqualTo("1.0");
    assertThat(PythonEnv.shared().importedVersion("beta", r.target())).isEqualTo("2.0");
    // pip took the PEP 658 metadata first, then the wheel, from this upstream only.
    assertThat(up.requests("/files/" + alpha.filename() + ".metadata")).isEqualTo(1);
    assertThat(up.requests("/files/" + alpha.filename())).isEqualTo(1);
    assertThat(up.lastHeaders("/simple/alpha/").get("Accept"))
        .containsExactly(TestUpstreamTest.PIP_ACCEPT);
  }

  @Test
  void install_pinnedOldBeta_installsBetaOne() {
    PipResult r = PythonEnv.shared().install(up.uri(), List.of("alpha", "beta==1.0"));

    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).containsEntry("beta", "1.0");
  }

  @Test
  void install_wrongDeclaredHash_pipRefuses() {
    Artifact gamma = WheelBuilder.of("gamma", "1.0").build();
    up.publish(gamma, FileOptions.defaults().withHashOverride("00".repeat(32)));

    PipResult r = PythonEnv.shared().install(up.uri(), List.of("gamma"));

    assertThat(r.succeeded()).isFalse();
    assertThat(r.output()).contains("THESE PACKAGES DO NOT MATCH THE HASHES");
    assertThat(r.installedDistInfos()).isEmpty();
  }
}
