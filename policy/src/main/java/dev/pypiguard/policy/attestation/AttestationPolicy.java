package dev.pypiguard.policy.attestation;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code attestations}: PEP 740 provenance as policy. Without the section there are no attestation
 * rules at all; writing it turns {@code verify} on unless it says otherwise.
 *
 * @param verify whether a file whose provenance fails verification (or is not verified yet) is
 *     blocked
 * @param require projects that must carry verified provenance from a given publisher; the first
 *     entry whose glob matches a project applies
 * @param publisherChange whether a release attested by another publisher than the project's earlier
 *     verified releases, or no longer attested, is blocked
 * @param trustedRoot a Sigstore trusted root to verify against instead of the bundled production
 *     one
 */
public record AttestationPolicy(
    boolean verify,
    List<PublisherRequirement> require,
    boolean publisherChange,
    Optional<Path> trustedRoot) {
  /** Without the section: no attestation rules. */
  public static final AttestationPolicy NONE =
      new AttestationPolicy(false, List.of(), false, Optional.empty());

  public AttestationPolicy {
    require = List.copyOf(require);
    Objects.requireNonNull(trustedRoot, "trustedRoot");
  }

  /** Whether any attestation rule is on. */
  public boolean active() {
    return verify || publisherChange || !require.isEmpty();
  }

  /** The requirement for {@code project} (PEP 503-normalized): the first that matches. */
  public Optional<PublisherRequirement> requirementFor(String project) {
    return require.stream().filter(r -> r.project().matches(project)).findFirst();
  }
}
