package dev.pypiguard.core.blob;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A SHA-256 digest written as 64 lower-case hex digits, the key of the content-addressed store. */
public record Sha256(String hex) {
  public Sha256 {
    if (hex == null || !isHex64(hex)) {
      throw new IllegalArgumentException(
          "sha256: \"" + hex + "\" (expected: 64 lower-case hex digits)");
    }
  }

  /** Parses a digest, accepting upper case; empty when it is not a sha256 hex string. */
  public static java.util.Optional<Sha256> parse(String raw) {
    if (raw == null) {
      return java.util.Optional.empty();
    }
    String lower = raw.toLowerCase(java.util.Locale.ROOT);
    return isHex64(lower) ? java.util.Optional.of(new Sha256(lower)) : java.util.Optional.empty();
  }

  /**
   * Whether {@code s} is 64 lower-case hex digits. A loop, not a regular expression: a file hit
   * checks a few digests, and the matcher took 6% of its CPU time.
   */
  private static boolean isHex64(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  public static Sha256 of(byte[] bytes) {
    return new Sha256(HexFormat.of().formatHex(digest().digest(bytes)));
  }

  /** A fresh SHA-256 {@link MessageDigest}; every JRE must provide one. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JRE has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return hex;
  }
}
