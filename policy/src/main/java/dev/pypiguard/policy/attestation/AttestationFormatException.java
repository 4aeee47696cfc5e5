package dev.pypiguard.policy.attestation;

/**
 * An error raised when a trusted root, attestation, provenance or Sigstore bundle document is not
 * well formed.
 *
 * <p>The message names the document (a file path where there is one) and what is wrong, so that an
 * operator can fix the input without reading a stack trace.
 */
public final class AttestationFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  AttestationFormatException(String message) {
    super(message);
  }

  AttestationFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
