package dev.pypiguard.policy.attestation;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/** Signature verification with the algorithm a Sigstore key implies. */
final class Signatures {
  private Signatures() {}

  /**
   * Verifies {@code signature} over {@code data}. ECDSA signatures are DER; the hash follows the
   * curve as Sigstore's key details pair them (P-256 with SHA-256, P-384 with SHA-384, P-521 with
   * SHA-512); Ed25519 signs the message itself.
   */
  static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(algorithm(key));
      verifier.initVerify(key);
      verifier.update(data);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // A malformed signature is an invalid one.
      return false;
    }
  }

  private static String algorithm(PublicKey key) throws GeneralSecurityException {
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits <= 256) {
        return "SHA256withECDSA";
      }
      return bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
    }
    if (key instanceof RSAPublicKey) {
      return "SHA256withRSA";
    }
    if (key.getAlgorithm().equals("Ed25519") || key.getAlgorithm().equals("EdDSA")) {
      return "Ed25519";
    }
    throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm());
  }
}
