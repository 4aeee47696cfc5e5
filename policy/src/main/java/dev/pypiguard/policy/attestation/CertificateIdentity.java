package dev.pypiguard.policy.attestation;

/**
 * An identity that a Fulcio signing certificate must carry for an attestation to be accepted: a
 * PyPI Trusted Publisher or a plain email identity.
 */
public sealed interface CertificateIdentity permits Publisher, EmailIdentity {

  /** A short human-readable form for reasons and logs, such as {@code owner/repo@release.yml}. */
  String display();
}
