package dev.pypiguard.testing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** Hash helpers shared by the builders and the test upstream. */
final class Digests {

  private Digests() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  /** The RECORD hash form: urlsafe base64 without padding (PEP 376 as amended by PEP 427). */
  static String recordHash(byte[] digest) {
    return "sha256=" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }
}
