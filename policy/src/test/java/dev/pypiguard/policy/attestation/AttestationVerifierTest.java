package dev.pypiguard.policy.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.policy.attestation.Verification.Failed;
import dev.pypiguard.policy.attestation.Verification.Unverified;
import dev.pypiguard.policy.attestation.Verification.Verified;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every row of attestations/SOURCES.md, with its expected result. */
class AttestationVerifierTest {
  static final String SDIST = "pypi_attestations-0.0.19.tar.gz";
  static final Publisher.GitHub TRAIL =
      new Publisher.GitHub("trailofbits/pypi-attestations", "release.yml", Optional.empty());
  static final Publisher.GitHub MODELS =
      new Publisher.GitHub("trailofbits/pypi-attestation-models", "release.yml", Optional.empty());
  static final Publisher.GitLab GITLAB =
      new Publisher.GitLab("facutuesca/gitlab-oidc-project", ".gitlab-ci.yml", Optional.empty());
  static final EmailIdentity WILLIAM =
      new EmailIdentity("william@yossarian.net", "https://github.com/login/oauth");

  static final AttestationVerifier PRODUCTION = new AttestationVerifier(TrustedRoot.production());
  static final AttestationVerifier STAGING =
      new AttestationVerifier(root("trusted_root.staging.json"));

  static Path fixture(String name) {
    try {
      return Path.of(AttestationVerifierTest.class.getResource("/attestations/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static String text(String name) {
    try {
      return Files.readString(fixture(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(String name) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(fixture(name))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static TrustedRoot root(String name) {
    try {
      return TrustedRoot.load(fixture(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Attestation attestation(String name) {
    return name.endsWith(".sigstore")
        ? Attestation.fromSigstoreBundle(text(name))
        : Attestation.parse(text(name));
  }

  static Verification verifySdist(AttestationVerifier verifier, String attestation, Publisher p) {
    return verifier.verify(attestation(attestation), SDIST, sha256(SDIST), p);
  }

  static String reason(Verification v) {
    assertThat(v).isInstanceOf(Failed.class);
    return ((Failed) v).reason();
  }

  // --- 1. pypi-attestations fixtures ---

  @Test
  void provenance_ownPublisherProductionRoot_verified() {
    Verification v =
        PRODUCTION.verify(Provenance.parse(text(SDIST + ".provenance")), SDIST, sha256(SDIST));

    assertThat(v).isInstanceOf(Verified.class);
    Verified ok = (Verified) v;
    assertThat(ok.identity()).isEqualTo(TRAIL);
    assertThat(ok.predicateTypes())
        .containsExactly("https://docs.pypi.org/attestations/publish/v1");
    assertThat(ok.integratedTime()).isEqualTo(Instant.ofEpochSecond(1733354041L));
  }

  @Test
  void publishAttestation_githubPublisherProductionRoot_verified() {
    assertThat(verifySdist(PRODUCTION, SDIST + ".publish.attestation", TRAIL))
        .isInstanceOf(Verified.class);
  }

  @Test
  void publishAttestation_stagingRoot_failsChain() {
    assertThat(reason(verifySdist(STAGING, SDIST + ".publish.attestation", TRAIL)))
        .startsWith("transparency log wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0= is not in");
  }

  @Test
  void publishAttestation_wrongWorkflow_failsBuildConfig() {
    Publisher wrong = new Publisher.GitHub(TRAIL.repository(), "wrong.yml", Optional.empty());

    assertThat(reason(verifySdist(PRODUCTION, SDIST + ".publish.attestation", wrong)))
        .isEqualTo(
            "certificate Build Config URI https://github.com/trailofbits/pypi-attestations/"
                + ".github/workflows/release.yml@refs/tags/v0.0.19 does not match publisher "
                + "trailofbits/pypi-attestations@wrong.yml");
  }

  @Test
  void slsaAttestation_githubPublisher_verifiedWithSlsaPredicate() {
    Verification v = verifySdist(PRODUCTION, SDIST + ".slsa.attestation", TRAIL);

    assertThat(v).isInstanceOf(Verified.class);
    assertThat(((Verified) v).predicateTypes()).containsExactly("https://slsa.dev/provenance/v1");
  }

  @Test
  void gitlabAttestation_gitlabPublisher_verified() {
    String dist = "gitlab_oidc_project-0.0.3.tar.gz";

    assertThat(
            PRODUCTION.verify(
                attestation(dist + ".publish.attestation"), dist, sha256(dist), GITLAB))
        .isInstanceOf(Verified.class);
  }

  @Test
  void gitlabAttestation_wrongWorkflow_failsBuildConfig() {
    String dist = "gitlab_oidc_project-0.0.3.tar.gz";
    Publisher wrong = new Publisher.GitLab(GITLAB.repository(), "wrong.yml", Optional.empty());

    assertThat(
            reason(
                PRODUCTION.verify(
                    attestation(dist + ".publish.attestation"), dist, sha256(dist), wrong)))
        .startsWith(
            "certificate Build Config URI https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main does not match");
  }

  @Test
  void modelsBundle_githubPublisher_verified() {
    String dist = "pypi_attestation_models-0.0.4a2.tar.gz";

    assertThat(PRODUCTION.verify(attestation(dist + ".sigstore"), dist, sha256(dist), MODELS))
        .isInstanceOf(Verified.class);
  }

  @Test
  void modelsBundle_wrongWorkflow_failsBuildConfig() {
    String dist = "pypi_attestation_models-0.0.4a2.tar.gz";
    Publisher wrong = new Publisher.GitHub(MODELS.repository(), "wrong.yml", Optional.empty());

    assertThat(
            reason(PRODUCTION.verify(attestation(dist + ".sigstore"), dist, sha256(dist), wrong)))
        .startsWith("certificate Build Config URI");
  }

  @Test
  void modelsAttestation_githubPublisher_verified() {
    String dist = "pypi_attestation_models-0.0.4a2.tar.gz";

    assertThat(PRODUCTION.verify(attestation(dist + ".attestation"), dist, sha256(dist), MODELS))
        .isInstanceOf(Verified.class);
  }

  @Test
  void rfc8785_stagingRootEmailIdentity_verifiedInAllThreeForms() {
    String dist = "rfc8785-0.1.2-py3-none-any.whl";
    for (String form : List.of(".publish.attestation", ".attestation", ".sigstore")) {
      assertThat(STAGING.verify(attestation(dist + form), dist, sha256(dist), WILLIAM))
          .as(form)
          .isInstanceOf(Verified.class);
    }
  }

  @Test
  void rfc8785_productionRoot_failsInAllThreeForms() {
    String dist = "rfc8785-0.1.2-py3-none-any.whl";
    for (String form : List.of(".publish.attestation", ".attestation", ".sigstore")) {
      assertThat(reason(PRODUCTION.verify(attestation(dist + form), dist, sha256(dist), WILLIAM)))
          .as(form)
          .contains("is not in the trusted root");
    }
  }

  @Test
  void rfc8785_stagingRootWrongEmail_failsIdentity() {
    String dist = "rfc8785-0.1.2-py3-none-any.whl";
    EmailIdentity other = new EmailIdentity("someone@example.com", WILLIAM.issuer());

    assertThat(
            reason(
                STAGING.verify(
                    attestation(dist + ".publish.attestation"), dist, sha256(dist), other)))
        .isEqualTo("certificate email william@yossarian.net does not match someone@example.com");
  }

  @Test
  void spt3g_otherWheelTagOrderStagingRoot_verified() {
    Attestation a =
        attestation(
            "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.publish.attestation");

    Verification v =
        STAGING.verify(
            a,
            "spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "d2772f9a5199f05ed1be8d9aa78b879e51772e3ead9d73fe8057257b1aec7cf8",
            WILLIAM);

    assertThat(v).isInstanceOf(Verified.class);
  }

  @Test
  void googleCertificate_googlePublisher_matches() throws Exception {
    X509Certificate cert =
        AttestationVerifier.certificate(Files.readAllBytes(fixture("200170367.pem")));

    assertThat(
            FulcioIdentity.check(
                cert, new Publisher.Google("919436158236-compute@developer.gserviceaccount.com")))
        .isEmpty();
    assertThat(
            FulcioIdentity.check(cert, new Publisher.Google("other@developer.gserviceaccount.com")))
        .hasValueSatisfying(r -> assertThat(r).startsWith("certificate email"));
    assertThat(FulcioIdentity.check(cert, TRAIL))
        .hasValueSatisfying(
            r -> assertThat(r).startsWith("certificate issuer https://accounts.google.com is not"));
  }

  @Test
  void certificateWithoutRef_githubPublisher_matchesByDigest() throws Exception {
    X509Certificate cert =
        AttestationVerifier.certificate(
            Files.readAllBytes(fixture("no-source-repository-ref-extension.pem")));

    assertThat(FulcioIdentity.extension(cert, FulcioIdentity.SOURCE_REPOSITORY_REF)).isEmpty();
    assertThat(
            FulcioIdentity.check(
                cert,
                new Publisher.GitHub(
                    "SWIFTSIM/swiftgalaxy", "python-publish.yml", Optional.empty())))
        .isEmpty();
  }

  // --- 3. sigstore-java negative: a certificate expired before the integrated time ---

  @Test
  void expiredCertBundle_timeCheck_failsAfterExpiry() throws Exception {
    String what = "bundle";
    var material =
        Attestation.bundleMaterial(
            Json.parse(text("negative/sigstore-java.bundle-with-expired-cert.sigstore"), what),
            what);
    var entry = material.transparencyEntries().get(0);
    X509Certificate cert =
        AttestationVerifier.certificate(
            java.util.Base64.getDecoder().decode(material.certificate()));
    var log =
        TrustedRoot.production()
            .log(java.util.Base64.getDecoder().decode(entry.logId()))
            .orElseThrow();

    // The entry itself is genuine: its SET and inclusion proof verify with the production log.
    assertThat(TransparencyLogCheck.signedEntryTimestamp(entry, log)).isEmpty();
    assertThat(TransparencyLogCheck.inclusion(entry, log)).isEmpty();
    assertThat(
            AttestationVerifier.certificateTime(
                cert, Instant.ofEpochSecond(entry.integratedTime())))
        .contains("certificate not valid at integrated time 2026-05-07T15:34:11Z");
    // Within the validity window the same certificate passes.
    assertThat(AttestationVerifier.certificateTime(cert, Instant.parse("2026-05-07T15:20:00Z")))
        .isEmpty();
  }

  @Test
  void expiredCertBundle_asAttestation_rejectedAsNotDsse() {
    assertThatThrownBy(
            () ->
                Attestation.fromSigstoreBundle(
                    text("negative/sigstore-java.bundle-with-expired-cert.sigstore")))
        .isInstanceOf(AttestationFormatException.class)
        .hasMessageContaining("no dsseEnvelope");
  }

  // --- 4. derived negative cases ---

  @Test
  void statementDigestModified_production_failsSignature() {
    assertThat(
            reason(
                verifySdist(
                    PRODUCTION,
                    "negative/" + SDIST + ".statement-digest-modified.publish.attestation",
                    TRAIL)))
        .isEqualTo("DSSE signature invalid");
  }

  @Test
  void signatureModified_production_failsSignature() {
    assertThat(
            reason(
                verifySdist(
                    PRODUCTION,
                    "negative/" + SDIST + ".signature-modified.publish.attestation",
                    TRAIL)))
        .isEqualTo("DSSE signature invalid");
  }

  @Test
  void inclusionProofModified_production_failsProof() {
    assertThat(
            reason(
                verifySdist(
                    PRODUCTION,
                    "negative/" + SDIST + ".inclusion-proof-modified.publish.attestation",
                    TRAIL)))
        .isEqualTo("inclusion proof does not lead to the checkpoint root");
  }

  @Test
  void integratedTimeModified_production_failsSet() {
    assertThat(
            reason(
                verifySdist(
                    PRODUCTION,
                    "negative/" + SDIST + ".integrated-time-modified.publish.attestation",
                    TRAIL)))
        .isEqualTo("signed entry timestamp invalid");
  }

  @Test
  void checkpointSignatureModified_production_failsCheckpoint() {
    assertThat(
            reason(
                verifySdist(
                    PRODUCTION,
                    "negative/" + SDIST + ".checkpoint-signature-modified.publish.attestation",
                    TRAIL)))
        .isEqualTo("checkpoint signature invalid");
  }

  @Test
  void certificateSwapped_production_failsSignature() {
    String name = "negative/" + SDIST + ".certificate-swapped.publish.attestation";

    assertThat(reason(verifySdist(PRODUCTION, name, TRAIL))).isEqualTo("DSSE signature invalid");
    // Even with the identity the swapped-in certificate carries.
    assertThat(reason(verifySdist(PRODUCTION, name, GITLAB))).isEqualTo("DSSE signature invalid");
  }

  @Test
  void wrongWorkflowProvenance_production_failsBuildConfig() {
    assertThat(
            reason(
                PRODUCTION.verify(
                    Provenance.parse(text("negative/" + SDIST + ".wrong-workflow.provenance")),
                    SDIST,
                    sha256(SDIST))))
        .startsWith("certificate Build Config URI")
        .endsWith("does not match publisher trailofbits/pypi-attestations@wrong.yml");
  }

  @Test
  void wrongRepositoryProvenance_production_failsSourceRepository() {
    assertThat(
            reason(
                PRODUCTION.verify(
                    Provenance.parse(text("negative/" + SDIST + ".wrong-repository.provenance")),
                    SDIST,
                    sha256(SDIST))))
        .isEqualTo(
            "certificate Source Repository URI https://github.com/trailofbits/pypi-attestations "
                + "does not match publisher repository https://github.com/other/repo");
  }

  @Test
  void wrongKindProvenance_production_failsIssuer() {
    assertThat(
            reason(
                PRODUCTION.verify(
                    Provenance.parse(text("negative/" + SDIST + ".wrong-kind.provenance")),
                    SDIST,
                    sha256(SDIST))))
        .isEqualTo(
            "certificate issuer https://token.actions.githubusercontent.com is not "
                + "https://gitlab.com (publisher kind GitLab)");
  }

  @Test
  void differentArtifact_production_failsSubject() {
    String other = "gitlab_oidc_project-0.0.3.tar.gz";

    assertThat(
            reason(
                PRODUCTION.verify(
                    attestation(SDIST + ".publish.attestation"), other, sha256(other), TRAIL)))
        .isEqualTo("subject name " + SDIST + " does not match the distribution " + other);
    assertThat(
            reason(
                PRODUCTION.verify(
                    attestation(SDIST + ".publish.attestation"), SDIST, sha256(other), TRAIL)))
        .isEqualTo("subject digest does not match the distribution");
  }

  @Test
  void renamedArtifact_production_failsSubjectName() {
    assertThat(
            reason(
                PRODUCTION.verify(
                    attestation(SDIST + ".publish.attestation"),
                    "pypi_attestations-0.0.20.tar.gz",
                    sha256(SDIST),
                    TRAIL)))
        .startsWith("subject name");
  }

  @Test
  void dashedProjectName_production_matchesAfterNormalization() {
    assertThat(
            PRODUCTION.verify(
                attestation(SDIST + ".publish.attestation"),
                "pypi-attestations-0.0.19.tar.gz",
                sha256(SDIST),
                TRAIL))
        .isInstanceOf(Verified.class);
  }

  @Test
  void productionFixtures_stagingRoot_fail() {
    String models = "pypi_attestation_models-0.0.4a2.tar.gz";
    String gitlab = "gitlab_oidc_project-0.0.3.tar.gz";

    assertThat(STAGING.verify(attestation(models + ".sigstore"), models, sha256(models), MODELS))
        .isInstanceOf(Failed.class);
    assertThat(
            STAGING.verify(
                attestation(gitlab + ".publish.attestation"), gitlab, sha256(gitlab), GITLAB))
        .isInstanceOf(Failed.class);
    assertThat(STAGING.verify(Provenance.parse(text(SDIST + ".provenance")), SDIST, sha256(SDIST)))
        .isInstanceOf(Failed.class);
  }

  // --- required publisher, unknown kinds ---

  @Test
  void provenance_requiredOtherPublisher_failsWithBothNamed() {
    Publisher required = new Publisher.GitHub("other/repo", "release.yml", Optional.empty());

    assertThat(
            reason(
                PRODUCTION.verify(
                    Provenance.parse(text(SDIST + ".provenance")), SDIST, sha256(SDIST), required)))
        .isEqualTo(
            "provenance publisher trailofbits/pypi-attestations@release.yml does not match required other/repo@release.yml");
    assertThat(
            PRODUCTION.verify(
                Provenance.parse(text(SDIST + ".provenance")),
                SDIST,
                sha256(SDIST),
                new Publisher.GitHub(
                    "TrailOfBits/pypi-attestations", "release.yml", Optional.empty())))
        .isInstanceOf(Verified.class);
  }

  @Test
  void provenance_unknownPublisherKind_unverified() {
    String json =
        text(SDIST + ".provenance")
            .replace("\"kind\": \"GitHub\"", "\"kind\": \"ActiveState\"")
            .replace("\"kind\":\"GitHub\"", "\"kind\":\"ActiveState\"");
    Provenance p = Provenance.parse(json);

    assertThat(p.attestationBundles().get(0).publisher())
        .isEqualTo(new Publisher.Unknown("ActiveState"));
    assertThat(PRODUCTION.verify(p, SDIST, sha256(SDIST)))
        .isEqualTo(new Unverified("publisher kind ActiveState is not supported"));
  }

  @Test
  void attestation_unknownEntryKind_unverified() {
    String json =
        text(SDIST + ".publish.attestation")
            .replaceFirst("\"kind\": ?\"dsse\"", "\"kind\":\"intoto\"");

    assertThat(PRODUCTION.verify(Attestation.parse(json), SDIST, sha256(SDIST), TRAIL))
        .isEqualTo(new Unverified("transparency log entry kind intoto 0.0.1 is not supported"));
  }

  @Test
  void provenance_noBundles_unverified() {
    assertThat(
            PRODUCTION.verify(
                Provenance.parse("{\"version\":1,\"attestation_bundles\":[]}"),
                SDIST,
                sha256(SDIST)))
        .isEqualTo(new Unverified("provenance has no attestations"));
  }
}
