package dev.pypiguard.policy.advisory;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.policy.attestation.Attestation;
import dev.pypiguard.policy.attestation.AttestationFormatException;
import dev.pypiguard.policy.attestation.Provenance;
import dev.pypiguard.policy.config.PolicyLoader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Issue 14: the policy module's parsers of outside input, fuzzed with Jazzer: OSV records, policy
 * YAML, PEP 740 provenance and Sigstore bundles. The first byte picks the parser (0 OSV, 1 policy,
 * 2 provenance, 3 bundle); each answers or refuses with its documented exception. Seeds: {@code
 * PolicyParsersFuzzTestInputs/parse/}. README, "Fuzzing".
 */
class PolicyParsersFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void parse(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    String text = new String(body, StandardCharsets.UTF_8);
    switch (Math.floorMod(data[0], 4)) {
      case 0 ->
          new OsvParser()
              .parse("fuzz.json", body)
              .ifPresent(a -> AdvisoryDatabase.of(java.util.List.of(a)).size());
      case 1 -> {
        try {
          PolicyLoader.parse("fuzz.yaml", text);
        } catch (ConfigException expected) {
          // refused with file, line, key and reason
        }
      }
      case 2 -> {
        try {
          Provenance.parse(text);
        } catch (AttestationFormatException expected) {
          // not a provenance document, with a reason
        }
      }
      default -> {
        try {
          Attestation.fromSigstoreBundle(text);
        } catch (AttestationFormatException expected) {
          // not a bundle, with a reason
        }
        try {
          Attestation.parse(text);
        } catch (AttestationFormatException expected) {
          // not an attestation, with a reason
        }
      }
    }
  }
}
