package dev.pypiguard.policy.attestation;

import java.util.Objects;

/**
 * An email identity: the certificate's Subject Alternative Name email and the OIDC issuer (Fulcio
 * extension 1.3.6.1.4.1.57264.1.8) that vouched for it.
 *
 * <p>PyPI accepts only Trusted Publisher identities; this exists for attestations made by hand,
 * such as the staging test fixtures of pypi-attestations signed by a person through GitHub OAuth.
 *
 * @param email the SAN email, compared exactly
 * @param issuer the OIDC issuer URL, compared exactly
 */
public record EmailIdentity(String email, String issuer) implements CertificateIdentity {
  public EmailIdentity {
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(issuer, "issuer");
  }

  @Override
  public String display() {
    return email + " (" + issuer + ")";
  }
}
