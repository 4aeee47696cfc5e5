package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code pypi-guard verify} over the real PEP 740 fixtures (kept, with their SOURCES.md, in the
 * policy module's test resources).
 */
class VerifyCommandTest {
  static final Path FIXTURES = dev.pypiguard.policy.testing.Fixtures.directory("attestations");

  static String f(String name) {
    return FIXTURES.resolve(name).toString();
  }

  @Test
  void integrityProvenance_ownPublisher_verifies() {
    var r =
        CliTest.run(
            "verify",
            f("pypi_attestations-0.0.19.tar.gz"),
            "--provenance",
            f("pypi_attestations-0.0.19.tar.gz.provenance"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .startsWith("verified: pypi_attestations-0.0.19.tar.gz")
        .contains("publisher: ")
        .contains("trailofbits/pypi-attestations")
        .contains("ok  certificate valid at the integrated time 2024-12-04T23:14:01Z");
  }

  @Test
  void integrityProvenance_otherRequiredPublisher_failsNamingBoth() {
    var r =
        CliTest.run(
            "verify",
            f("pypi_attestations-0.0.19.tar.gz"),
            "--provenance",
            f("pypi_attestations-0.0.19.tar.gz.provenance"),
            "--publisher",
            "github:other/repo@release.yml");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED").contains("other/repo");
  }

  @Test
  void singleAttestation_wrongWorkflow_fails() {
    var ok =
        CliTest.run(
            "verify",
            f("gitlab_oidc_project-0.0.3.tar.gz"),
            "--provenance",
            f("gitlab_oidc_project-0.0.3.tar.gz.publish.attestation"),
            "--publisher",
            "gitlab:facutuesca/gitlab-oidc-project@.gitlab-ci.yml");
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    var wrong =
        CliTest.run(
            "verify",
            f("gitlab_oidc_project-0.0.3.tar.gz"),
            "--provenance",
            f("gitlab_oidc_project-0.0.3.tar.gz.publish.attestation"),
            "--publisher",
            "gitlab:facutuesca/gitlab-oidc-project@wrong.yml");
    assertThat(wrong.code()).isEqualTo(1);
  }

  @Test
  void tamperedSignature_fails() {
    var r =
        CliTest.run(
            "verify",
            f("pypi_attestations-0.0.19.tar.gz"),
            "--provenance",
            f("negative/pypi_attestations-0.0.19.tar.gz.signature-modified.publish.attestation"),
            "--publisher",
            "github:trailofbits/pypi-attestations@release.yml");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED");
  }

  @Test
  void stagingAttestation_productionRootFails_stagingRootVerifiesEmail() {
    String wheel = f("rfc8785-0.1.2-py3-none-any.whl");
    String att = f("rfc8785-0.1.2-py3-none-any.whl.publish.attestation");
    var prod =
        CliTest.run(
            "verify",
            wheel,
            "--provenance",
            att,
            "--publisher",
            "email:william@yossarian.net@https://github.com/login/oauth");
    assertThat(prod.code()).isEqualTo(1);
    var staging =
        CliTest.run(
            "verify",
            wheel,
            "--provenance",
            att,
            "--trusted-root",
            f("trusted_root.staging.json"),
            "--publisher",
            "email:william@yossarian.net@https://github.com/login/oauth");
    assertThat(staging.code()).as(staging.out() + staging.err()).isZero();
  }

  @Test
  void badInput_exits2WithOneMessage() {
    var missing =
        CliTest.run(
            "verify", "nope.whl", "--provenance", f("pypi_attestations-0.0.19.tar.gz.provenance"));
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.whl: no such file");
    var badPublisher =
        CliTest.run(
            "verify",
            f("pypi_attestations-0.0.19.tar.gz"),
            "--provenance",
            f("pypi_attestations-0.0.19.tar.gz.provenance"),
            "--publisher",
            "svn:x");
    assertThat(badPublisher.code()).isEqualTo(2);
    assertThat(badPublisher.err()).contains("--publisher: \"svn:x\"");
  }
}
