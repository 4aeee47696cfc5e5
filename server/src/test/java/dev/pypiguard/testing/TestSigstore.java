package dev.pypiguard.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway Sigstore for tests: a Fulcio-like certificate authority and a Rekor-like log, both
 * with fresh ECDSA P-256 keys, that sign PEP 740 attestations the offline verifier accepts when
 * given {@link #trustedRootJson()} as its trusted root (and rejects against any other root).
 *
 * <p>Each {@link #provenance} call makes a PyPI Integrity API provenance document with one bundle
 * and one attestation: an in-toto v1 statement about the file, signed in a DSSE envelope by a fresh
 * leaf key whose short-lived certificate carries the publisher's GitHub Actions identity, and a
 * Rekor v1 {@code dsse 0.0.1} entry with a signed entry timestamp and an inclusion proof in a
 * two-leaf tree under a signed checkpoint.
 */
public final class TestSigstore {
  /** The Fulcio extension arc (Fulcio docs/oid-info.md). */
  private static final String FULCIO_OID = "1.3.6.1.4.1.57264.1.";

  static final String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
  static final String PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1";
  static final String IN_TOTO = "application/vnd.in-toto+json";
  static final String LOG_ORIGIN = "rekor.test.pypi-guard.invalid";
  static final String CA_URI = "https://fulcio.test.pypi-guard.invalid";
  static final String LOG_URL = "https://rekor.test.pypi-guard.invalid";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * A GitHub Actions Trusted Publisher as the certificate names it.
   *
   * @param repository {@code owner/name}
   * @param workflow the workflow file name under {@code .github/workflows}
   * @param ref the git ref the workflow ran at, such as {@code refs/tags/v1.0}
   */
  public record Publisher(String repository, String workflow, String ref) {
    public Publisher {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(workflow, "workflow");
      Objects.requireNonNull(ref, "ref");
    }

    /** A GitHub publisher running at the tag {@code refs/tags/v1}. */
    public static Publisher github(String repository, String workflow) {
      return new Publisher(repository, workflow, "refs/tags/v1");
    }
  }

  private final KeyPair caKey;
  private final X509Certificate caCert;
  private final KeyPair logKey;
  private final byte[] logId;
  private final Instant start;
  private final AtomicLong serial = new AtomicLong(2);
  private final AtomicLong logIndex = new AtomicLong(1000);

  private TestSigstore() {
    // Validity starts a day back, so clocks a little apart or a second boundary never matter.
    this.start = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    this.caKey = p256();
    this.caCert = newCaCertificate();
    this.logKey = p256();
    this.logId = sha256(logKey.getPublic().getEncoded());
  }

  /** A new CA and log with fresh keys. */
  public static TestSigstore create() {
    return new TestSigstore();
  }

  /** The CA certificate (self-signed, the whole chain of the trusted root). */
  public X509Certificate caCertificate() {
    return caCert;
  }

  /** The log id: the SHA-256 of the log key's DER SubjectPublicKeyInfo. */
  public byte[] logId() {
    return logId.clone();
  }

  /**
   * The trusted root, in the {@code application/vnd.dev.sigstore.trustedroot+json;version=0.1} form
   * of sigstore/protobuf-specs.
   */
  public String trustedRootJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("mediaType", "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    ObjectNode tlog = root.putArray("tlogs").addObject();
    tlog.put("baseUrl", LOG_URL);
    tlog.put("hashAlgorithm", "SHA2_256");
    ObjectNode key = tlog.putObject("publicKey");
    key.put("rawBytes", b64(logKey.getPublic().getEncoded()));
    key.put("keyDetails", "PKIX_ECDSA_P256_SHA_256");
    key.putObject("validFor").put("start", start.toString());
    tlog.putObject("logId").put("keyId", b64(logId));
    ObjectNode ca = root.putArray("certificateAuthorities").addObject();
    ca.putObject("subject")
        .put("organization", "pypi-guard test")
        .put("commonName", "test-sigstore");
    ca.put("uri", CA_URI);
    ca.putObject("certChain")
        .putArray("certificates")
        .addObject()
        .put("rawBytes", b64(encoded(caCert)));
    ca.putObject("validFor").put("start", start.toString());
    root.putArray("ctlogs");
    root.putArray("timestampAuthorities");
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@link #trustedRootJson()} to {@code file} and returns it. */
  public Path writeTrustedRoot(Path file) throws IOException {
    Files.writeString(file, trustedRootJson(), StandardCharsets.UTF_8);
    return file;
  }

  /**
   * A PyPI Integrity API provenance document for one distribution file, attested by {@code
   * publisher} now.
   *
   * @param distFilename the file name, the statement's subject
   * @param distSha256 the file's hex SHA-256
   */
  public String provenance(String distFilename, String distSha256, Publisher publisher) {
    ObjectNode doc = MAPPER.createObjectNode();
    doc.put("version", 1);
    ObjectNode bundle = doc.putArray("attestation_bundles").addObject();
    ObjectNode pub = bundle.putObject("publisher");
    pub.put("kind", "GitHub");
    pub.put("repository", publisher.repository());
    pub.put("workflow", publisher.workflow());
    pub.putNull("environment");
    bundle.putArray("attestations").add(attestation(distFilename, distSha256, publisher));
    return doc.toString();
  }

  /** One PEP 740 attestation object. */
  public ObjectNode attestation(String distFilename, String distSha256, Publisher publisher) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] statement = statement(distFilename, distSha256);
    KeyPair leafKey = p256();
    X509Certificate leaf = leafCertificate(leafKey.getPublic(), publisher, now);
    byte[] signature = sign(leafKey.getPrivate(), pae(statement));

    ObjectNode attestation = MAPPER.createObjectNode();
    attestation.put("version", 1);
    ObjectNode material = attestation.putObject("verification_material");
    material.put("certificate", b64(encoded(leaf)));
    material.putArray("transparency_entries").add(logEntry(statement, signature, leaf, now));
    ObjectNode envelope = attestation.putObject("envelope");
    envelope.put("statement", b64(statement));
    envelope.put("signature", b64(signature));
    return attestation;
  }

  private static byte[] statement(String distFilename, String distSha256) {
    ObjectNode s = MAPPER.createObjectNode();
    s.put("_type", "https://in-toto.io/Statement/v1");
    ObjectNode subject = s.putArray("subject").addObject();
    subject.put("name", distFilename);
    subject.putObject("digest").put("sha256", distSha256);
    s.put("predicateType", PUBLISH_PREDICATE);
    s.putNull("predicate");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** DSSE pre-authentication encoding of an in-toto payload (DSSE protocol.md). */
  static byte[] pae(byte[] body) {
    byte[] type = IN_TOTO.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("DSSEv1 " + type.length + " " + IN_TOTO + " " + body.length + " ")
            .getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  /**
   * A Rekor v1 transparency entry (protobuf-specs {@code TransparencyLogEntry} JSON) recording the
   * envelope, integrated at {@code now}.
   */
  private ObjectNode logEntry(
      byte[] statement, byte[] signature, X509Certificate leaf, Instant now) {
    String body = b64(dsseBody(statement, signature, leaf));
    long index = logIndex.getAndIncrement();
    long integrated = now.getEpochSecond();
    String logIdHex = HexFormat.of().formatHex(logId);

    ObjectNode entry = MAPPER.createObjectNode();
    entry.put("logIndex", Long.toString(index));
    entry.putObject("logId").put("keyId", b64(logId));
    entry.putObject("kindVersion").put("kind", "dsse").put("version", "0.0.1");
    entry.put("integratedTime", Long.toString(integrated));
    // The signed entry timestamp: the log's signature over the canonical JSON (sorted keys, no
    // spaces) of body, integrated time, hex log id and log index (Rekor VerifySET).
    String set =
        "{\"body\":\""
            + body
            + "\",\"integratedTime\":"
            + integrated
            + ",\"logID\":\""
            + logIdHex
            + "\",\"logIndex\":"
            + index
            + "}";
    entry
        .putObject("inclusionPromise")
        .put(
            "signedEntryTimestamp",
            b64(sign(logKey.getPrivate(), set.getBytes(StandardCharsets.UTF_8))));
    entry.set("inclusionProof", inclusionProof(Base64.getDecoder().decode(body), index));
    entry.put("canonicalizedBody", body);
    return entry;
  }

  /**
   * An RFC 6962 inclusion proof of the body in a tree of two leaves, the other a filler entry, and
   * the checkpoint (C2SP signed note) the log signs over that tree.
   */
  private ObjectNode inclusionProof(byte[] body, long index) {
    byte[] mine = leafHash(body);
    byte[] other = leafHash(("filler entry " + index).getBytes(StandardCharsets.UTF_8));
    // Alternate sides so both branches of proof verification are exercised.
    long shardIndex = index % 2;
    byte[] rootHash = shardIndex == 0 ? nodeHash(mine, other) : nodeHash(other, mine);
    long treeSize = 2;
    String text = LOG_ORIGIN + " - 1\n" + treeSize + "\n" + b64(rootHash) + "\n";
    byte[] sig = sign(logKey.getPrivate(), text.getBytes(StandardCharsets.UTF_8));
    byte[] blob = new byte[4 + sig.length];
    System.arraycopy(logId, 0, blob, 0, 4);
    System.arraycopy(sig, 0, blob, 4, sig.length);
    String note = text + "\n\u2014 " + LOG_ORIGIN + " " + b64(blob) + "\n";

    ObjectNode proof = MAPPER.createObjectNode();
    proof.put("logIndex", Long.toString(shardIndex));
    proof.put("rootHash", b64(rootHash));
    proof.put("treeSize", Long.toString(treeSize));
    proof.putArray("hashes").add(b64(other));
    proof.putObject("checkpoint").put("envelope", note);
    return proof;
  }

  /** The canonical dsse 0.0.1 entry body (Rekor pkg/types/dsse/v0.0.1), keys sorted. */
  private static byte[] dsseBody(byte[] statement, byte[] signature, X509Certificate leaf) {
    ObjectNode envelope = MAPPER.createObjectNode();
    envelope.put("payload", b64(statement));
    envelope.put("payloadType", IN_TOTO);
    envelope.putArray("signatures").addObject().put("sig", b64(signature));

    ObjectNode body = MAPPER.createObjectNode();
    body.put("apiVersion", "0.0.1");
    body.put("kind", "dsse");
    ObjectNode spec = body.putObject("spec");
    spec.putObject("envelopeHash")
        .put("algorithm", "sha256")
        .put(
            "value",
            HexFormat.of().formatHex(sha256(envelope.toString().getBytes(StandardCharsets.UTF_8))));
    spec.putObject("payloadHash")
        .put("algorithm", "sha256")
        .put("value", HexFormat.of().formatHex(sha256(statement)));
    ArrayNode signatures = spec.putArray("signatures");
    signatures
        .addObject()
        .put("signature", b64(signature))
        .put("verifier", b64(pem(leaf).getBytes(StandardCharsets.UTF_8)));
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  private X509Certificate newCaCertificate() {
    X500Name name = new X500Name("O=pypi-guard test, CN=test-sigstore");
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.ONE,
              Date.from(start),
              Date.from(start.plus(Duration.ofDays(365))),
              name,
              caKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          utils.createSubjectKeyIdentifier(caKey.getPublic()));
      return certificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the test CA", e);
    }
  }

  /**
   * A Fulcio-like leaf: empty subject, the workflow identity as a critical SAN URI, code signing,
   * valid ten minutes around {@code now}, with the GitHub Actions extensions as DER UTF8Strings.
   */
  private X509Certificate leafCertificate(PublicKey key, Publisher publisher, Instant now) {
    String repositoryUri = "https://github.com/" + publisher.repository();
    String workflowUri =
        repositoryUri + "/.github/workflows/" + publisher.workflow() + "@" + publisher.ref();
    String digest =
        HexFormat.of()
            .formatHex(
                Arrays.copyOf(
                    sha256((repositoryUri + publisher.ref()).getBytes(StandardCharsets.UTF_8)),
                    20));
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject(caCert),
              BigInteger.valueOf(serial.getAndIncrement()),
              Date.from(now.minus(Duration.ofMinutes(1))),
              Date.from(now.plus(Duration.ofMinutes(9))),
              new X500Name(""),
              key);
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
      b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCert));
      b.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, workflowUri)));
      fulcio(b, "8", GITHUB_ISSUER);
      fulcio(b, "9", workflowUri); // Build Signer URI
      fulcio(b, "12", repositoryUri);
      fulcio(b, "13", digest);
      fulcio(b, "14", publisher.ref());
      fulcio(b, "18", workflowUri);
      fulcio(b, "19", digest); // Build Config Digest
      fulcio(b, "20", "push"); // Build Trigger
      return certificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a test leaf certificate", e);
    }
  }

  private static void fulcio(X509v3CertificateBuilder b, String arc, String value)
      throws IOException {
    b.addExtension(new ASN1ObjectIdentifier(FULCIO_OID + arc), false, new DERUTF8String(value));
  }

  /** The subject of a certificate, as the issuer of what it signs. */
  private static X500Name subject(X509Certificate cert) {
    return X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
  }

  private static X509Certificate certificate(X509CertificateHolder holder)
      throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(X509Certificate cert) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(encoded(cert));
    return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
  }

  private static KeyPair p256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is required of every Java platform", e);
    }
  }

  /** An ECDSA P-256 signature with SHA-256, DER-encoded as Sigstore carries it. */
  private static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 6962 §2.1 leaf hash. */
  static byte[] leafHash(byte[] leaf) {
    MessageDigest sha = sha();
    sha.update((byte) 0x00);
    return sha.digest(leaf);
  }

  /** RFC 6962 §2.1 interior node hash. */
  static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest sha = sha();
    sha.update((byte) 0x01);
    sha.update(left);
    return sha.digest(right);
  }

  static byte[] sha256(byte[] data) {
    return sha().digest(data);
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
