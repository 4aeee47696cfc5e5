package dev.pypiguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.policy.attestation.AttestationVerifier;
import dev.pypiguard.policy.attestation.Provenance;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.TrustedRoot;
import dev.pypiguard.policy.attestation.Verification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test Sigstore signs what the offline verifier accepts, and only against its own root. */
class TestSigstoreTest {
  static final TestSigstore.Publisher ONE =
      TestSigstore.Publisher.github("owner/one", "release.yml");
  static final String SDIST = "proj-1.0.tar.gz";
  static final String SHA = Digests.sha256Hex("proj 1.0".getBytes(StandardCharsets.UTF_8));

  static TestSigstore sigstore;
  static TrustedRoot root;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    sigstore = TestSigstore.create();
    root = TrustedRoot.load(sigstore.writeTrustedRoot(dir.resolve("trusted_root.json")));
  }

  @Test
  void generatedProvenance_verifiesAgainstTheGeneratedRoot_asItsPublisher() {
    Provenance p = Provenance.parse(sigstore.provenance(SDIST, SHA, ONE));

    Verification v = new AttestationVerifier(root).verify(p, SDIST, SHA);

    assertThat(v).isInstanceOf(Verification.Verified.class);
    Verification.Verified ok = (Verification.Verified) v;
    assertThat(ok.identity())
        .isEqualTo(new Publisher.GitHub("owner/one", "release.yml", Optional.empty()));
    assertThat(ok.predicateTypes()).isEqualTo(List.of(TestSigstore.PUBLISH_PREDICATE));
  }

  @Test
  void manyProvenances_allVerify_bothSidesOfTheInclusionProof() {
    AttestationVerifier verifier = new AttestationVerifier(root);
    for (int i = 0; i < 4; i++) {
      String wheel = "proj-1." + i + "-py3-none-any.whl";
      var p = Provenance.parse(sigstore.provenance(wheel, SHA, ONE));
      assertThat(verifier.verify(p, wheel, SHA))
          .as(wheel)
          .isInstanceOf(Verification.Verified.class);
    }
  }

  @Test
  void generatedProvenance_failsAgainstTheProductionRoot() {
    Provenance p = Provenance.parse(sigstore.provenance(SDIST, SHA, ONE));

    Verification v = new AttestationVerifier(TrustedRoot.production()).verify(p, SDIST, SHA);

    assertThat(v).isInstanceOf(Verification.Failed.class);
    assertThat(((Verification.Failed) v).reason()).contains("is not in the trusted root");
  }

  @Test
  void generatedProvenance_otherBytes_orClaimedAsAnotherPublisher_fails() {
    AttestationVerifier verifier = new AttestationVerifier(root);
    Provenance p = Provenance.parse(sigstore.provenance(SDIST, SHA, ONE));
    String otherSha = Digests.sha256Hex("other".getBytes(StandardCharsets.UTF_8));
    assertThat(verifier.verify(p, SDIST, otherSha))
        .isEqualTo(new Verification.Failed("subject digest does not match the distribution"));

    // The bundle's publisher is unsigned: a document that claims another one must not verify.
    String forged = sigstore.provenance(SDIST, SHA, ONE).replace("\"owner/one\"", "\"other/two\"");
    Verification v = verifier.verify(Provenance.parse(forged), SDIST, SHA);
    assertThat(v).isInstanceOf(Verification.Failed.class);
    assertThat(((Verification.Failed) v).reason()).contains("Source Repository URI");
  }

  @Test
  void anotherTestSigstore_isNotTrusted() {
    Provenance p = Provenance.parse(TestSigstore.create().provenance(SDIST, SHA, ONE));

    assertThat(new AttestationVerifier(root).verify(p, SDIST, SHA))
        .isInstanceOf(Verification.Failed.class);
  }
}
