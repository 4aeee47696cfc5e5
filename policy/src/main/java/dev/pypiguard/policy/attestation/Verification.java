package dev.pypiguard.policy.attestation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** The outcome of verifying attestations for a distribution file. */
public sealed interface Verification
    permits Verification.Verified, Verification.Failed, Verification.Unverified {

  /**
   * Every attestation verified: signed by the identity, logged, and about this file.
   *
   * @param identity the identity the certificates carry (the publisher, for provenance)
   * @param predicateTypes the in-toto predicate types attested, in document order
   * @param integratedTime the Rekor integrated time of the (first) attestation
   */
  record Verified(CertificateIdentity identity, List<String> predicateTypes, Instant integratedTime)
      implements Verification {
    public Verified {
      Objects.requireNonNull(identity, "identity");
      predicateTypes = List.copyOf(predicateTypes);
      Objects.requireNonNull(integratedTime, "integratedTime");
    }
  }

  /**
   * An attestation was checked and is wrong: bad signature, wrong file, wrong identity, untrusted
   * chain. Policy should treat this as evidence of tampering.
   *
   * @param reason what failed
   */
  record Failed(String reason) implements Verification {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The attestations could not be checked: an unknown publisher or log entry kind, or none at all.
   * Never treated as verified.
   *
   * @param reason why not
   */
  record Unverified(String reason) implements Verification {
    public Unverified {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
