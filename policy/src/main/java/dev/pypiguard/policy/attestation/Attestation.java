package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A PEP 740 attestation object: a DSSE envelope around an in-toto statement, with the Fulcio
 * certificate and Rekor log entries that prove who signed it and when.
 *
 * <p>Binary fields are kept as the base64 text of the document so that the record stays immutable;
 * the verifier decodes them.
 *
 * @param version the attestation format version; PEP 740 defines only 1
 * @param verificationMaterial the certificate and transparency log entries
 * @param envelope the signed statement
 */
public record Attestation(
    int version, VerificationMaterial verificationMaterial, Envelope envelope) {
  static final String BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";
  static final String IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

  public Attestation {
    Objects.requireNonNull(verificationMaterial, "verificationMaterial");
    Objects.requireNonNull(envelope, "envelope");
  }

  /**
   * The certificate and log entries of an attestation.
   *
   * @param certificate base64 of the DER leaf certificate
   * @param transparencyEntries the Rekor entries, in Sigstore's {@code TransparencyLogEntry} form
   */
  public record VerificationMaterial(
      String certificate, List<TransparencyEntry> transparencyEntries) {
    public VerificationMaterial {
      Objects.requireNonNull(certificate, "certificate");
      transparencyEntries = List.copyOf(transparencyEntries);
    }
  }

  /**
   * The DSSE envelope of an attestation, reduced to its statement and single signature (PEP 740
   * §Attestation objects: the payload type is always in-toto).
   *
   * @param statement base64 of the in-toto statement bytes
   * @param signature base64 of the signature over the DSSE PAE
   */
  public record Envelope(String statement, String signature) {
    public Envelope {
      Objects.requireNonNull(statement, "statement");
      Objects.requireNonNull(signature, "signature");
    }
  }

  /**
   * A Rekor v1 transparency log entry (protobuf-specs {@code TransparencyLogEntry}).
   *
   * @param logIndex the global log index
   * @param logId base64 of the log id (the SHA-256 of the log key)
   * @param kind the entry kind, such as {@code dsse}
   * @param kindVersion the entry kind version, such as {@code 0.0.1}
   * @param integratedTime seconds since the epoch at which the log integrated the entry
   * @param signedEntryTimestamp base64 of the log's signature over the entry, when present
   * @param inclusionProof the Merkle inclusion proof, when present
   * @param canonicalizedBody base64 of the canonical entry body
   */
  public record TransparencyEntry(
      long logIndex,
      String logId,
      String kind,
      String kindVersion,
      long integratedTime,
      Optional<String> signedEntryTimestamp,
      Optional<InclusionProof> inclusionProof,
      String canonicalizedBody) {
    public TransparencyEntry {
      Objects.requireNonNull(logId, "logId");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(kindVersion, "kindVersion");
      Objects.requireNonNull(signedEntryTimestamp, "signedEntryTimestamp");
      Objects.requireNonNull(inclusionProof, "inclusionProof");
      Objects.requireNonNull(canonicalizedBody, "canonicalizedBody");
    }
  }

  /**
   * An RFC 6962 inclusion proof with the log checkpoint it leads to.
   *
   * @param logIndex the index of the entry in the log shard the proof is for
   * @param treeSize the tree size of the proof
   * @param rootHash base64 of the root hash the proof leads to
   * @param hashes base64 of the audit path, leaf side first
   * @param checkpoint the signed note (C2SP signed-note) that commits to the root hash
   */
  public record InclusionProof(
      long logIndex, long treeSize, String rootHash, List<String> hashes, String checkpoint) {
    public InclusionProof {
      Objects.requireNonNull(rootHash, "rootHash");
      hashes = List.copyOf(hashes);
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }

  /**
   * Parses a PEP 740 attestation object.
   *
   * @throws AttestationFormatException when it is not one
   */
  public static Attestation parse(String json) {
    return fromJson(Json.parse(json, "attestation"), "attestation");
  }

  static Attestation fromJson(JsonNode node, String what) {
    int version = (int) Json.integer(node, "version", what);
    JsonNode material = Json.object(node, "verification_material", what);
    List<TransparencyEntry> entries = new ArrayList<>();
    for (JsonNode entry : Json.array(material, "transparency_entries", what)) {
      entries.add(entry(entry, what));
    }
    JsonNode envelope = Json.object(node, "envelope", what);
    return new Attestation(
        version,
        new VerificationMaterial(Json.text(material, "certificate", what), entries),
        new Envelope(
            Json.text(envelope, "statement", what), Json.text(envelope, "signature", what)));
  }

  /**
   * Converts a Sigstore bundle v0.3 ({@code application/vnd.dev.sigstore.bundle.v0.3+json}) with a
   * DSSE envelope into the equivalent attestation, as pypi-attestations does.
   *
   * @throws AttestationFormatException when it is not such a bundle (a message-signature bundle has
   *     no statement to attest)
   */
  public static Attestation fromSigstoreBundle(String json) {
    String what = "Sigstore bundle";
    JsonNode bundle = Json.parse(json, what);
    VerificationMaterial material = bundleMaterial(bundle, what);
    JsonNode dsse = bundle.get("dsseEnvelope");
    if (dsse == null || !dsse.isObject()) {
      throw new AttestationFormatException(what + ": no dsseEnvelope (only DSSE bundles attest)");
    }
    String payloadType = Json.text(dsse, "payloadType", what);
    if (!payloadType.equals(IN_TOTO_PAYLOAD_TYPE)) {
      throw new AttestationFormatException(what + ": DSSE payloadType " + payloadType);
    }
    JsonNode signatures = Json.array(dsse, "signatures", what);
    if (signatures.size() != 1) {
      throw new AttestationFormatException(
          what + ": DSSE envelope has " + signatures.size() + " signatures, expected 1");
    }
    return new Attestation(
        1,
        material,
        new Envelope(Json.text(dsse, "payload", what), Json.text(signatures.get(0), "sig", what)));
  }

  /** The verification material of a v0.3 bundle, whatever its content. */
  static VerificationMaterial bundleMaterial(JsonNode bundle, String what) {
    String mediaType = Json.text(bundle, "mediaType", what);
    if (!mediaType.equals(BUNDLE_V03)) {
      throw new AttestationFormatException(what + ": unsupported mediaType " + mediaType);
    }
    JsonNode material = Json.object(bundle, "verificationMaterial", what);
    // v0.3 carries the leaf alone in "certificate" (protobuf-specs bundle.proto).
    String certificate = Json.text(Json.object(material, "certificate", what), "rawBytes", what);
    List<TransparencyEntry> entries = new ArrayList<>();
    for (JsonNode entry : Json.array(material, "tlogEntries", what)) {
      entries.add(entry(entry, what));
    }
    return new VerificationMaterial(certificate, entries);
  }

  private static TransparencyEntry entry(JsonNode entry, String what) {
    JsonNode kind = Json.object(entry, "kindVersion", what);
    Optional<String> set =
        Optional.ofNullable(entry.get("inclusionPromise"))
            .flatMap(p -> Json.optionalText(p, "signedEntryTimestamp"));
    Optional<InclusionProof> proof = Optional.empty();
    JsonNode p = entry.get("inclusionProof");
    if (p != null && p.isObject()) {
      List<String> hashes = new ArrayList<>();
      for (JsonNode h : Json.array(p, "hashes", what)) {
        hashes.add(h.asText());
      }
      proof =
          Optional.of(
              new InclusionProof(
                  Json.integer(p, "logIndex", what),
                  Json.integer(p, "treeSize", what),
                  Json.text(p, "rootHash", what),
                  hashes,
                  Json.text(Json.object(p, "checkpoint", what), "envelope", what)));
    }
    return new TransparencyEntry(
        Json.integer(entry, "logIndex", what),
        Json.text(Json.object(entry, "logId", what), "keyId", what),
        Json.text(kind, "kind", what),
        Json.text(kind, "version", what),
        Json.integer(entry, "integratedTime", what),
        set,
        proof,
        Json.text(entry, "canonicalizedBody", what));
  }

  /** The decoded statement bytes. */
  byte[] statementBytes() {
    return Base64.getDecoder().decode(envelope.statement());
  }
}
