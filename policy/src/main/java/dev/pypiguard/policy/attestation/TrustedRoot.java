package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A Sigstore trust root: the Fulcio certificate authorities and Rekor transparency logs that
 * attestations are verified against.
 *
 * <p>It is read from a {@code trusted_root.json} document ({@code
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1}, the {@code TrustedRoot} message of
 * sigstore/protobuf-specs). Certificate transparency logs and timestamp authorities are not kept:
 * PEP 740 attestations are verified with the Rekor integrated time, not with SCTs or RFC 3161
 * timestamps.
 */
public final class TrustedRoot {
  static final String MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
  private static final String PRODUCTION_RESOURCE = "trusted_root.production.json";

  private final String source;
  private final List<CertificateAuthority> certificateAuthorities;
  private final List<TransparencyLog> logs;

  private TrustedRoot(
      String source, List<CertificateAuthority> authorities, List<TransparencyLog> logs) {
    this.source = source;
    this.certificateAuthorities = List.copyOf(authorities);
    this.logs = List.copyOf(logs);
  }

  /**
   * Reads a trusted root from a file.
   *
   * @throws IOException when the file cannot be read
   * @throws AttestationFormatException when it is not a well-formed trusted root; the message names
   *     the file
   */
  public static TrustedRoot load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * The Sigstore public-good production trust root bundled with pypi-guard (the TUF target {@code
   * trusted_root.json} of tuf-repo-cdn.sigstore.dev, as embedded by sigstore-python).
   */
  public static TrustedRoot production() {
    try (InputStream in = TrustedRoot.class.getResourceAsStream(PRODUCTION_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("bundled resource " + PRODUCTION_RESOURCE + " is missing");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), PRODUCTION_RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a trusted root document; {@code source} names it in error messages. */
  static TrustedRoot parse(String json, String source) {
    String what = "trusted root " + source;
    JsonNode root = Json.parse(json, what);
    String mediaType = Json.text(root, "mediaType", what);
    if (!mediaType.equals(MEDIA_TYPE)) {
      throw new AttestationFormatException(what + ": unsupported mediaType " + mediaType);
    }
    List<CertificateAuthority> authorities = new ArrayList<>();
    for (JsonNode ca : Json.array(root, "certificateAuthorities", what)) {
      authorities.add(authority(ca, what));
    }
    List<TransparencyLog> logs = new ArrayList<>();
    for (JsonNode log : Json.array(root, "tlogs", what)) {
      logs.add(log(log, what));
    }
    return new TrustedRoot(source, authorities, logs);
  }

  private static CertificateAuthority authority(JsonNode ca, String what) {
    String uri = Json.optionalText(ca, "uri").orElse("");
    List<X509Certificate> chain = new ArrayList<>();
    for (JsonNode cert : Json.array(Json.object(ca, "certChain", what), "certificates", what)) {
      chain.add(certificate(Json.base64(cert, "rawBytes", what), what + ": CA " + uri));
    }
    if (chain.isEmpty()) {
      throw new AttestationFormatException(what + ": CA " + uri + " has an empty certChain");
    }
    Window window = window(Json.object(ca, "validFor", what), what);
    return new CertificateAuthority(uri, chain, window.start(), window.end());
  }

  private static TransparencyLog log(JsonNode log, String what) {
    String baseUrl = Json.optionalText(log, "baseUrl").orElse("");
    byte[] keyId = Json.base64(Json.object(log, "logId", what), "keyId", what);
    JsonNode publicKey = Json.object(log, "publicKey", what);
    byte[] spki = Json.base64(publicKey, "rawBytes", what);
    PublicKey key;
    try {
      key = new JcaPEMKeyConverter().getPublicKey(SubjectPublicKeyInfo.getInstance(spki));
    } catch (IOException | IllegalArgumentException e) {
      throw new AttestationFormatException(
          what + ": log " + baseUrl + " has an unreadable public key", e);
    }
    Window window =
        publicKey.has("validFor")
            ? window(Json.object(publicKey, "validFor", what), what)
            : new Window(Instant.MIN, Optional.empty());
    return new TransparencyLog(baseUrl, keyId, sha256(spki), key, window.start(), window.end());
  }

  private static X509Certificate certificate(byte[] der, String what) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new AttestationFormatException(what + ": not an X.509 certificate", e);
    }
  }

  private record Window(Instant start, Optional<Instant> end) {}

  private static Window window(JsonNode validFor, String what) {
    try {
      Instant start = Instant.parse(Json.text(validFor, "start", what));
      Optional<Instant> end = Json.optionalText(validFor, "end").map(Instant::parse);
      return new Window(start, end);
    } catch (DateTimeParseException e) {
      throw new AttestationFormatException(what + ": bad validFor time " + e.getParsedString(), e);
    }
  }

  static byte[] sha256(byte[] data) {
    return dev.pypiguard.core.blob.Sha256.digest().digest(data);
  }

  /** Where this root was read from, for messages. */
  public String source() {
    return source;
  }

  List<CertificateAuthority> certificateAuthorities() {
    return certificateAuthorities;
  }

  /** The Rekor log with this log id (the {@code logId.keyId} of trusted root and entries). */
  Optional<TransparencyLog> log(byte[] keyId) {
    return logs.stream().filter(l -> Arrays.equals(l.keyId(), keyId)).findFirst();
  }

  @Override
  public String toString() {
    return "TrustedRoot[" + source + "]";
  }

  /**
   * A Fulcio certificate authority: its chain, issuing certificate first and root last (the order
   * of {@code X509CertificateChain} in protobuf-specs), and when it may issue.
   */
  record CertificateAuthority(
      String uri, List<X509Certificate> chain, Instant start, Optional<Instant> end) {
    CertificateAuthority {
      chain = List.copyOf(chain);
      Objects.requireNonNull(start);
      Objects.requireNonNull(end);
    }

    boolean validAt(Instant t) {
      return !t.isBefore(start) && end.map(e -> !t.isAfter(e)).orElse(true);
    }
  }

  /**
   * A Rekor transparency log: its id, the SHA-256 of its key's DER SubjectPublicKeyInfo (the
   * checkpoint key hint, signed-note format), its key and validity.
   */
  record TransparencyLog(
      String baseUrl,
      byte[] keyId,
      byte[] keyDigest,
      PublicKey key,
      Instant start,
      Optional<Instant> end) {
    TransparencyLog {
      keyId = keyId.clone();
      keyDigest = keyDigest.clone();
    }

    @Override
    public byte[] keyId() {
      return keyId.clone();
    }

    @Override
    public byte[] keyDigest() {
      return keyDigest.clone();
    }

    boolean validAt(Instant t) {
      return !t.isBefore(start) && end.map(e -> !t.isAfter(e)).orElse(true);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TransparencyLog other
          && baseUrl.equals(other.baseUrl)
          && Arrays.equals(keyId, other.keyId);
    }

    @Override
    public int hashCode() {
      return Objects.hash(baseUrl, Arrays.hashCode(keyId));
    }

    @Override
    public String toString() {
      return "TransparencyLog[" + baseUrl + "]";
    }
  }
}
