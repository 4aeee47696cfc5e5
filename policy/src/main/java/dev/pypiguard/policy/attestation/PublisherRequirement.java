package dev.pypiguard.policy.attestation;

import dev.pypiguard.core.project.Glob;
import java.util.Objects;

/**
 * One entry of {@code attestations.require}.
 *
 * @param project the projects it covers
 * @param publisher the Trusted Publisher their provenance must be verified for
 */
public record PublisherRequirement(Glob project, Publisher publisher) {
  public PublisherRequirement {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(publisher, "publisher");
  }
}
