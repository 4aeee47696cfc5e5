package dev.pypiguard.policy.attestation;

import dev.pypiguard.core.blob.Sha256;
import java.util.Optional;

/**
 * A source of provenance verdicts by file hash, which the attestation rule reads and a server fills
 * by fetching and verifying provenance before a page is judged. Answers never block.
 */
public interface ProvenanceVerdicts {
  /** The verdict on the provenance of the file with this sha256; empty when not verified (yet). */
  Optional<Verification> verdict(Sha256 sha256);

  /** Names the current set of verdicts: changes whenever an answer could change. */
  String generation();

  /** A source that has verified nothing. */
  static ProvenanceVerdicts none() {
    return new ProvenanceVerdicts() {
      @Override
      public Optional<Verification> verdict(Sha256 sha256) {
        return Optional.empty();
      }

      @Override
      public String generation() {
        return "0";
      }
    };
  }
}
