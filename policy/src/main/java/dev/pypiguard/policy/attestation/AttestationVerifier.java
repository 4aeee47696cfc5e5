package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.policy.attestation.Attestation.TransparencyEntry;
import dev.pypiguard.policy.attestation.TrustedRoot.CertificateAuthority;
import dev.pypiguard.policy.attestation.TrustedRoot.TransparencyLog;
import dev.pypiguard.policy.attestation.Verification.Failed;
import dev.pypiguard.policy.attestation.Verification.Unverified;
import dev.pypiguard.policy.attestation.Verification.Verified;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An offline verifier of PEP 740 attestations against a Sigstore trusted root.
 *
 * <p>It makes the checks of pypi-attestations ({@code Attestation.verify}) without any network
 * access: the DSSE signature, the in-toto statement against the distribution file, the Rekor v1
 * entry (signed entry timestamp, inclusion proof, checkpoint, and that the entry records this
 * envelope), that the Fulcio certificate chains to the trusted root and was valid at the log's
 * integrated time, and that it carries the expected identity.
 */
public final class AttestationVerifier {
  static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
  static final Set<String> PREDICATE_TYPES =
      Set.of("https://docs.pypi.org/attestations/publish/v1", "https://slsa.dev/provenance/v1");

  /** id-kp-codeSigning (RFC 5280 §4.2.1.12). */
  private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

  private final TrustedRoot root;

  /** A verifier that trusts the CAs and logs of {@code root}. */
  public AttestationVerifier(TrustedRoot root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /**
   * Verifies one attestation for a distribution file, requiring the signing certificate to carry
   * {@code expected}.
   *
   * @param distFilename the distribution file name, compared with the statement subject after
   *     parsing (so wheel tags in another order still match)
   * @param distSha256 the hex SHA-256 of the distribution file
   */
  public Verification verify(
      Attestation attestation,
      String distFilename,
      String distSha256,
      CertificateIdentity expected) {
    Objects.requireNonNull(attestation, "attestation");
    Objects.requireNonNull(distFilename, "distFilename");
    Objects.requireNonNull(distSha256, "distSha256");
    Objects.requireNonNull(expected, "expected");
    if (expected instanceof Publisher.Unknown unknown) {
      return new Unverified("publisher kind " + unknown.kind() + " is not supported");
    }
    if (attestation.version() != 1) {
      return new Unverified("attestation version " + attestation.version() + " is not supported");
    }
    List<TransparencyEntry> entries = attestation.verificationMaterial().transparencyEntries();
    if (entries.isEmpty()) {
      return new Failed("attestation has no transparency log entry");
    }
    // PEP 740 attestations carry one Rekor v1 entry of kind dsse 0.0.1 (pypi-attestations).
    TransparencyEntry entry = entries.get(0);
    if (!entry.kind().equals("dsse") || !entry.kindVersion().equals("0.0.1")) {
      return new Unverified(
          "transparency log entry kind "
              + entry.kind()
              + " "
              + entry.kindVersion()
              + " is not supported");
    }
    try {
      return verifyDsse(attestation, entry, distFilename, distSha256, expected);
    } catch (IllegalArgumentException | AttestationFormatException e) {
      // Base64 and JSON inside the attestation that could not be decoded.
      return new Failed("attestation is malformed: " + e.getMessage());
    }
  }

  private Verification verifyDsse(
      Attestation attestation,
      TransparencyEntry entry,
      String distFilename,
      String distSha256,
      CertificateIdentity expected) {
    X509Certificate cert;
    try {
      cert =
          certificate(Base64.getDecoder().decode(attestation.verificationMaterial().certificate()));
    } catch (CertificateException e) {
      return new Failed("certificate is not a valid X.509 certificate");
    }
    byte[] statement = attestation.statementBytes();
    byte[] signature = Base64.getDecoder().decode(attestation.envelope().signature());

    if (!Signatures.verify(cert.getPublicKey(), pae(statement), signature)) {
      return new Failed("DSSE signature invalid");
    }
    Statement parsed;
    try {
      parsed = Statement.parse(statement);
    } catch (AttestationFormatException e) {
      return new Failed(String.valueOf(e.getMessage()));
    }
    Optional<String> problem = parsed.check(distFilename, distSha256);
    if (problem.isPresent()) {
      return new Failed(problem.get());
    }

    Instant integrated = Instant.ofEpochSecond(entry.integratedTime());
    byte[] logId = Base64.getDecoder().decode(entry.logId());
    Optional<TransparencyLog> log = root.log(logId);
    if (log.isEmpty()) {
      return new Failed(
          "transparency log " + entry.logId() + " is not in the trusted root " + root.source());
    }
    if (!log.get().validAt(integrated)) {
      return new Failed("transparency log " + log.get().baseUrl() + " not valid at " + integrated);
    }
    problem =
        TransparencyLogCheck.signedEntryTimestamp(entry, log.get())
            .or(() -> TransparencyLogCheck.inclusion(entry, log.get()))
            .or(() -> dsseBodyMatches(entry, statement, signature, cert));
    if (problem.isPresent()) {
      return new Failed(problem.get());
    }
    problem =
        certificateTime(cert, integrated)
            .or(() -> chain(cert, integrated))
            .or(() -> FulcioIdentity.check(cert, expected));
    if (problem.isPresent()) {
      return new Failed(problem.get());
    }
    return new Verified(expected, List.of(parsed.predicateType()), integrated);
  }

  /**
   * Verifies a provenance object for a distribution file: every attestation of every bundle against
   * that bundle's own publisher.
   *
   * <p>The result is {@link Failed} when any attestation fails, {@link Unverified} when any cannot
   * be checked (or there are none, or the bundles name different publishers), and {@link Verified}
   * with the publisher otherwise.
   */
  public Verification verify(Provenance provenance, String distFilename, String distSha256) {
    Objects.requireNonNull(provenance, "provenance");
    if (provenance.version() != 1) {
      return new Unverified("provenance version " + provenance.version() + " is not supported");
    }
    Optional<Unverified> unverified = Optional.empty();
    Set<Publisher> publishers = new LinkedHashSet<>();
    List<String> predicateTypes = new ArrayList<>();
    Optional<Instant> first = Optional.empty();
    for (Provenance.AttestationBundle bundle : provenance.attestationBundles()) {
      if (bundle.attestations().isEmpty()) {
        unverified =
            unverified.or(
                () ->
                    Optional.of(
                        new Unverified(
                            "attestation bundle of "
                                + bundle.publisher().display()
                                + " is empty")));
        continue;
      }
      for (Attestation attestation : bundle.attestations()) {
        Verification v = verify(attestation, distFilename, distSha256, bundle.publisher());
        if (v instanceof Failed) {
          return v;
        }
        if (v instanceof Unverified u) {
          unverified = unverified.or(() -> Optional.of(u));
        } else if (v instanceof Verified ok) {
          publishers.add(bundle.publisher());
          predicateTypes.addAll(ok.predicateTypes());
          first = first.or(() -> Optional.of(ok.integratedTime()));
        }
      }
    }
    if (unverified.isPresent()) {
      return unverified.get();
    }
    if (publishers.isEmpty()) {
      return new Unverified("provenance has no attestations");
    }
    if (publishers.size() > 1) {
      return new Unverified(
          "provenance names more than one publisher: "
              + publishers.stream().map(Publisher::display).toList());
    }
    return new Verified(publishers.iterator().next(), predicateTypes, first.orElseThrow());
  }

  /**
   * Verifies a provenance object as {@link #verify(Provenance, String, String)} does, then requires
   * its (now verified) publisher to be {@code required}.
   *
   * <p>Repository names compare without case, as GitHub and GitLab treat them; an environment is
   * compared only when {@code required} names one.
   */
  public Verification verify(
      Provenance provenance, String distFilename, String distSha256, Publisher required) {
    Objects.requireNonNull(required, "required");
    Verification v = verify(provenance, distFilename, distSha256);
    if (v instanceof Verified ok && !samePublisher(ok.identity(), required)) {
      return new Failed(
          "provenance publisher "
              + ok.identity().display()
              + " does not match required "
              + required.display());
    }
    return v;
  }

  static boolean samePublisher(CertificateIdentity actual, Publisher required) {
    if (actual instanceof Publisher.GitHub a && required instanceof Publisher.GitHub r) {
      return a.repository().equalsIgnoreCase(r.repository())
          && a.workflow().equals(r.workflow())
          && (r.environment().isEmpty() || r.environment().equals(a.environment()));
    }
    if (actual instanceof Publisher.GitLab a && required instanceof Publisher.GitLab r) {
      return a.repository().equalsIgnoreCase(r.repository())
          && a.workflowFilepath().equals(r.workflowFilepath())
          && (r.environment().isEmpty() || r.environment().equals(a.environment()));
    }
    if (actual instanceof Publisher.Google a && required instanceof Publisher.Google r) {
      return a.email().equalsIgnoreCase(r.email());
    }
    return false;
  }

  /**
   * The DSSE pre-authentication encoding (DSSE protocol.md): {@code "DSSEv1" SP len(type) SP type
   * SP len(body) SP body}, lengths in ASCII decimal of byte counts.
   */
  static byte[] pae(byte[] body) {
    byte[] type = Attestation.IN_TOTO_PAYLOAD_TYPE.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("DSSEv1 " + type.length + " " + Attestation.IN_TOTO_PAYLOAD_TYPE + " " + body.length + " ")
            .getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  /**
   * Checks that the certificate was valid when the log integrated the entry (NotBefore &lt;= t
   * &lt;= NotAfter): the Rekor integrated time is the Sigstore signing time, and a Fulcio
   * certificate lives ten minutes (Sigstore client spec §Verification).
   */
  static Optional<String> certificateTime(X509Certificate cert, Instant integratedTime) {
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (integratedTime.isBefore(notBefore) || integratedTime.isAfter(notAfter)) {
      return Optional.of("certificate not valid at integrated time " + integratedTime);
    }
    return Optional.empty();
  }

  /**
   * Checks that the leaf chains to a Fulcio CA of the trusted root that was valid at {@code t},
   * with PKIX path validation at {@code t} (no revocation: Fulcio certificates are short-lived and
   * not revoked).
   */
  private Optional<String> chain(X509Certificate leaf, Instant t) {
    // PKIX does not check extended key usage; Fulcio issues code-signing leaves only.
    try {
      List<String> usages = leaf.getExtendedKeyUsage();
      if (usages == null || !usages.contains(CODE_SIGNING)) {
        return Optional.of("certificate is not for code signing");
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return Optional.of("certificate extended key usage is malformed");
    }
    for (CertificateAuthority ca : root.certificateAuthorities()) {
      if (!ca.validAt(t)) {
        continue;
      }
      List<X509Certificate> chain = ca.chain();
      List<X509Certificate> path = new ArrayList<>();
      path.add(leaf);
      path.addAll(chain.subList(0, chain.size() - 1));
      try {
        CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
        PKIXParameters params =
            new PKIXParameters(Set.of(new TrustAnchor(chain.get(chain.size() - 1), null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(t));
        CertPathValidator.getInstance("PKIX").validate(certPath, params);
        return Optional.empty();
      } catch (GeneralSecurityException e) {
        // Not this CA; try the next one.
      }
    }
    return Optional.of(
        "certificate does not chain to a Fulcio CA of the trusted root " + root.source());
  }

  /**
   * Checks that the log entry records this envelope: the dsse 0.0.1 body (Rekor
   * pkg/types/dsse/v0.0.1) holds the SHA-256 of the payload, and the one signature with its
   * verifier (the PEM certificate).
   */
  private static Optional<String> dsseBodyMatches(
      TransparencyEntry entry, byte[] statement, byte[] signature, X509Certificate cert) {
    JsonNode body =
        Json.parse(
            new String(
                Base64.getDecoder().decode(entry.canonicalizedBody()), StandardCharsets.UTF_8),
            "log entry body");
    String what = "log entry body";
    if (!"dsse".equals(body.path("kind").asText())
        || !"0.0.1".equals(body.path("apiVersion").asText())) {
      return Optional.of("log entry body is not dsse 0.0.1");
    }
    JsonNode spec = Json.object(body, "spec", what);
    JsonNode payloadHash = Json.object(spec, "payloadHash", what);
    String expected = HexFormat.of().formatHex(TrustedRoot.sha256(statement));
    if (!"sha256".equals(payloadHash.path("algorithm").asText())
        || !expected.equals(payloadHash.path("value").asText().toLowerCase(Locale.ROOT))) {
      return Optional.of("log entry payload hash does not match the statement");
    }
    JsonNode signatures = Json.array(spec, "signatures", what);
    if (signatures.size() != 1) {
      return Optional.of("log entry records " + signatures.size() + " signatures, expected 1");
    }
    byte[] logged = Json.base64(signatures.get(0), "signature", what);
    if (!Arrays.equals(logged, signature)) {
      return Optional.of("log entry signature does not match the envelope signature");
    }
    byte[] verifier = Json.base64(signatures.get(0), "verifier", what);
    try {
      X509Certificate loggedCert = certificate(verifier);
      if (!Arrays.equals(loggedCert.getEncoded(), cert.getEncoded())) {
        return Optional.of("log entry certificate does not match the attestation certificate");
      }
    } catch (CertificateException e) {
      return Optional.of("log entry verifier is not a certificate");
    }
    return Optional.empty();
  }

  /** Reads a DER or PEM certificate. */
  static X509Certificate certificate(byte[] encoded) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(encoded));
  }

  /** The parts of an in-toto v1 statement that PEP 740 constrains. */
  record Statement(String subjectName, String subjectSha256, String predicateType) {
    static Statement parse(byte[] bytes) {
      String what = "statement";
      JsonNode node = Json.parse(new String(bytes, StandardCharsets.UTF_8), what);
      String type = Json.text(node, "_type", what);
      if (!type.equals(STATEMENT_TYPE)) {
        throw new AttestationFormatException("statement _type " + type + " is not in-toto v1");
      }
      JsonNode subjects = Json.array(node, "subject", what);
      if (subjects.size() != 1) {
        throw new AttestationFormatException(
            "statement has " + subjects.size() + " subjects, expected exactly 1");
      }
      JsonNode subject = subjects.get(0);
      return new Statement(
          Json.text(subject, "name", what),
          Json.text(Json.object(subject, "digest", what), "sha256", what),
          Json.text(node, "predicateType", what));
    }

    Optional<String> check(String distFilename, String distSha256) {
      if (!PREDICATE_TYPES.contains(predicateType)) {
        return Optional.of("predicate type " + predicateType + " is not supported");
      }
      Optional<DistributionFilename> subject = DistributionFilename.parse(subjectName);
      Optional<DistributionFilename> dist = DistributionFilename.parse(distFilename);
      if (subject.isEmpty() || dist.isEmpty() || !subject.get().sameDistribution(dist.get())) {
        return Optional.of(
            "subject name " + subjectName + " does not match the distribution " + distFilename);
      }
      if (!subjectSha256.equalsIgnoreCase(distSha256)) {
        return Optional.of("subject digest does not match the distribution");
      }
      return Optional.empty();
    }
  }
}
