package dev.pypiguard.policy.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.policy.attestation.Verification.Failed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustedRootTest {
  static final byte[] REKOR_PRODUCTION =
      Base64.getDecoder().decode("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=");

  @Test
  void production_bundled_hasRekorLogKeyedBySpkiDigest() {
    TrustedRoot root = TrustedRoot.production();

    assertThat(root.certificateAuthorities()).hasSize(2);
    assertThat(root.log(REKOR_PRODUCTION))
        .hasValueSatisfying(log -> assertThat(log.keyDigest()).isEqualTo(REKOR_PRODUCTION));
  }

  @Test
  void load_notJson_failsNamingTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{not json", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> TrustedRoot.load(file))
        .isInstanceOf(AttestationFormatException.class)
        .hasMessageStartingWith("trusted root " + file + ": not valid JSON");
  }

  @Test
  void load_wrongMediaType_failsNamingTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("other.json");
    Files.writeString(file, "{\"mediaType\":\"text/plain\"}", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> TrustedRoot.load(file))
        .isInstanceOf(AttestationFormatException.class)
        .hasMessage("trusted root " + file + ": unsupported mediaType text/plain");
  }

  @Test
  void load_badCertificate_failsNamingTheFile(@TempDir Path dir) throws Exception {
    String json =
        AttestationVerifierTest.text("trusted_root.production.json")
            .replaceFirst("\"rawBytes\": ?\"MIIB", "\"rawBytes\":\"AAAA");
    Path file = dir.resolve("bad-cert.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> TrustedRoot.load(file))
        .isInstanceOf(AttestationFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not an X.509 certificate");
  }

  @Test
  void productionLogsWithStagingCas_productionAttestation_failsChain() throws Exception {
    ObjectNode hybrid =
        (ObjectNode) Json.parse(AttestationVerifierTest.text("trusted_root.production.json"), "t");
    hybrid.set(
        "certificateAuthorities",
        Json.parse(AttestationVerifierTest.text("trusted_root.staging.json"), "t")
            .get("certificateAuthorities"));
    TrustedRoot root = TrustedRoot.parse(Json.MAPPER.writeValueAsString(hybrid), "hybrid");
    Publisher trail =
        new Publisher.GitHub("trailofbits/pypi-attestations", "release.yml", Optional.empty());

    Verification v =
        new AttestationVerifier(root)
            .verify(
                AttestationVerifierTest.attestation(
                    AttestationVerifierTest.SDIST + ".publish.attestation"),
                AttestationVerifierTest.SDIST,
                AttestationVerifierTest.sha256(AttestationVerifierTest.SDIST),
                trail);

    assertThat(v)
        .isEqualTo(
            new Failed("certificate does not chain to a Fulcio CA of the trusted root hybrid"));
  }
}
