package dev.pypiguard.policy.attestation;

import java.io.IOException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a Fulcio certificate carries an expected identity, with the rules of
 * pypi-attestations ({@code _impl.py}) over the Fulcio certificate extensions (Fulcio
 * docs/oid-info.md).
 */
final class FulcioIdentity {
  private static final String OID = "1.3.6.1.4.1.57264.1.";

  /** Issuer (V2), a DER UTF8String; the legacy raw-string .1.1 is not read. */
  static final String ISSUER = OID + "8";

  static final String SOURCE_REPOSITORY_URI = OID + "12";
  static final String SOURCE_REPOSITORY_DIGEST = OID + "13";
  static final String SOURCE_REPOSITORY_REF = OID + "14";
  static final String BUILD_CONFIG_URI = OID + "18";

  static final String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
  static final String GITLAB_ISSUER = "https://gitlab.com";
  static final String GOOGLE_ISSUER = "https://accounts.google.com";

  private static final int SAN_EMAIL = 1;

  private FulcioIdentity() {}

  /** Checks the certificate against the identity; empty when it matches, else the reason. */
  static Optional<String> check(X509Certificate cert, CertificateIdentity expected) {
    if (expected instanceof Publisher.GitHub github) {
      return repositoryPublisher(
          cert,
          GITHUB_ISSUER,
          "https://github.com/" + github.repository(),
          "https://github.com/" + github.repository() + "/.github/workflows/" + github.workflow(),
          github);
    }
    if (expected instanceof Publisher.GitLab gitlab) {
      // The double slash is how GitLab's ci_config_ref_uri joins project and file path.
      return repositoryPublisher(
          cert,
          GITLAB_ISSUER,
          "https://gitlab.com/" + gitlab.repository(),
          "https://gitlab.com/" + gitlab.repository() + "//" + gitlab.workflowFilepath(),
          gitlab);
    }
    if (expected instanceof Publisher.Google google) {
      return email(cert, google.email(), GOOGLE_ISSUER);
    }
    if (expected instanceof EmailIdentity email) {
      return email(cert, email.email(), email.issuer());
    }
    return Optional.of("publisher kind " + ((Publisher) expected).kind() + " is not supported");
  }

  private static Optional<String> repositoryPublisher(
      X509Certificate cert,
      String issuer,
      String repositoryUri,
      String buildConfigPrefix,
      Publisher publisher) {
    Optional<String> mismatch = issuer(cert, issuer, publisher);
    if (mismatch.isPresent()) {
      return mismatch;
    }
    Optional<String> source = extension(cert, SOURCE_REPOSITORY_URI);
    if (!source.equals(Optional.of(repositoryUri))) {
      return Optional.of(
          "certificate Source Repository URI "
              + source.orElse("(absent)")
              + " does not match publisher repository "
              + repositoryUri);
    }
    Optional<String> digest = extension(cert, SOURCE_REPOSITORY_DIGEST);
    Optional<String> ref = extension(cert, SOURCE_REPOSITORY_REF);
    if (digest.isEmpty() && ref.isEmpty()) {
      return Optional.of(
          "certificate has neither Source Repository Digest nor Source Repository Ref");
    }
    Optional<String> buildConfig = extension(cert, BUILD_CONFIG_URI);
    // The workflow may be pinned by commit or by ref; either suffix is the same workflow file.
    boolean matches =
        buildConfig.isPresent()
            && (digest.map(d -> buildConfig.get().equals(buildConfigPrefix + "@" + d)).orElse(false)
                || ref.map(r -> buildConfig.get().equals(buildConfigPrefix + "@" + r))
                    .orElse(false));
    if (!matches) {
      return Optional.of(
          "certificate Build Config URI "
              + buildConfig.orElse("(absent)")
              + " does not match publisher "
              + publisher.display());
    }
    return Optional.empty();
  }

  private static Optional<String> email(X509Certificate cert, String email, String issuer) {
    List<String> emails = sanEmails(cert);
    if (!emails.contains(email)) {
      return Optional.of(
          "certificate email " + String.join(", ", emails) + " does not match " + email);
    }
    return issuer(cert, issuer, null);
  }

  private static Optional<String> issuer(
      X509Certificate cert, String expected, @Nullable Publisher kind) {
    Optional<String> issuer = extension(cert, ISSUER);
    if (issuer.equals(Optional.of(expected))) {
      return Optional.empty();
    }
    return Optional.of(
        "certificate issuer "
            + issuer.orElse("(absent)")
            + " is not "
            + expected
            + (kind == null ? "" : " (publisher kind " + kind.kind() + ")"));
  }

  /** The SAN email addresses of the certificate. */
  static List<String> sanEmails(X509Certificate cert) {
    try {
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return List.of();
      }
      return names.stream()
          .filter(n -> n.size() == 2 && Integer.valueOf(SAN_EMAIL).equals(n.get(0)))
          .map(n -> String.valueOf(n.get(1)))
          .toList();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  /**
   * A Fulcio extension value: since .1.8 these are a DER string (UTF8String) inside the extension's
   * OCTET STRING (Fulcio oid-info.md).
   */
  static Optional<String> extension(X509Certificate cert, String oid) {
    byte[] value = cert.getExtensionValue(oid);
    if (value == null) {
      return Optional.empty();
    }
    try {
      ASN1Primitive inner = JcaX509ExtensionUtils.parseExtensionValue(value);
      return inner instanceof ASN1String s ? Optional.of(s.getString()) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
