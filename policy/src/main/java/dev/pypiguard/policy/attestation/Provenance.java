package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A PEP 740 provenance object, as the PyPI Integrity API serves it for one distribution file:
 * attestation bundles, each with the Trusted Publisher that is claimed to have made them.
 *
 * @param version the provenance format version; PEP 740 defines only 1
 * @param attestationBundles the bundles, one per publisher
 */
public record Provenance(int version, List<AttestationBundle> attestationBundles) {
  public Provenance {
    attestationBundles = List.copyOf(attestationBundles);
  }

  /**
   * Attestations made by one publisher.
   *
   * @param publisher the publisher as PyPI recorded it (unsigned until verified)
   * @param attestations the attestations
   */
  public record AttestationBundle(Publisher publisher, List<Attestation> attestations) {
    public AttestationBundle {
      Objects.requireNonNull(publisher, "publisher");
      attestations = List.copyOf(attestations);
    }
  }

  /**
   * Parses a provenance object.
   *
   * @throws AttestationFormatException when it is not one
   */
  public static Provenance parse(String json) {
    String what = "provenance";
    JsonNode node = Json.parse(json, what);
    List<AttestationBundle> bundles = new ArrayList<>();
    for (JsonNode bundle : Json.array(node, "attestation_bundles", what)) {
      Publisher publisher = Publisher.fromJson(Json.object(bundle, "publisher", what), what);
      List<Attestation> attestations = new ArrayList<>();
      for (JsonNode a : Json.array(bundle, "attestations", what)) {
        attestations.add(Attestation.fromJson(a, what));
      }
      bundles.add(new AttestationBundle(publisher, attestations));
    }
    return new Provenance((int) Json.integer(node, "version", what), bundles);
  }
}
