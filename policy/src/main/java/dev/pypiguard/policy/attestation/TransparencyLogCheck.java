package dev.pypiguard.policy.attestation;

import dev.pypiguard.policy.attestation.Attestation.InclusionProof;
import dev.pypiguard.policy.attestation.Attestation.TransparencyEntry;
import dev.pypiguard.policy.attestation.TrustedRoot.TransparencyLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Offline checks of a Rekor v1 log entry: the signed entry timestamp, the RFC 6962 inclusion proof
 * and the signed checkpoint. Each returns empty when the check passes and the reason otherwise.
 */
final class TransparencyLogCheck {
  /** The em dash that starts a signature line of a signed note (C2SP signed-note). */
  private static final String SIGNATURE_PREFIX = "\u2014 ";

  private TransparencyLogCheck() {}

  /**
   * Checks the signed entry timestamp: the log's signature over the canonical JSON (RFC 8785 style:
   * sorted keys, no spaces) of body, integrated time, hex log id and log index, as Rekor's {@code
   * VerifySET} defines it.
   */
  static Optional<String> signedEntryTimestamp(TransparencyEntry entry, TransparencyLog log) {
    if (entry.signedEntryTimestamp().isEmpty()) {
      return Optional.of("log entry has no signed entry timestamp");
    }
    byte[] logId = Base64.getDecoder().decode(entry.logId());
    // The body is base64, which needs no JSON escaping; the other values are integers and hex.
    String payload =
        "{\"body\":\""
            + entry.canonicalizedBody()
            + "\",\"integratedTime\":"
            + entry.integratedTime()
            + ",\"logID\":\""
            + HexFormat.of().formatHex(logId)
            + "\",\"logIndex\":"
            + entry.logIndex()
            + "}";
    byte[] signature = Base64.getDecoder().decode(entry.signedEntryTimestamp().get());
    return Signatures.verify(log.key(), payload.getBytes(StandardCharsets.UTF_8), signature)
        ? Optional.empty()
        : Optional.of("signed entry timestamp invalid");
  }

  /**
   * Checks the inclusion proof of the entry body up to the proof's root hash, then that the
   * checkpoint is signed by the log and commits to that same root and tree size.
   */
  static Optional<String> inclusion(TransparencyEntry entry, TransparencyLog log) {
    if (entry.inclusionProof().isEmpty()) {
      return Optional.of("log entry has no inclusion proof");
    }
    InclusionProof proof = entry.inclusionProof().get();
    byte[] body = Base64.getDecoder().decode(entry.canonicalizedBody());
    List<byte[]> path = proof.hashes().stream().map(h -> Base64.getDecoder().decode(h)).toList();
    Optional<byte[]> computed =
        rootFromInclusionProof(proof.logIndex(), proof.treeSize(), leafHash(body), path);
    byte[] claimedRoot = Base64.getDecoder().decode(proof.rootHash());
    if (computed.isEmpty() || !Arrays.equals(computed.get(), claimedRoot)) {
      return Optional.of("inclusion proof does not lead to the checkpoint root");
    }
    return checkpoint(proof, computed.get(), log);
  }

  /** RFC 6962 §2.1: the leaf hash is SHA-256(0x00 || leaf). */
  static byte[] leafHash(byte[] leaf) {
    MessageDigest sha = sha256();
    sha.update((byte) 0x00);
    return sha.digest(leaf);
  }

  private static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest sha = sha256();
    sha.update((byte) 0x01);
    sha.update(left);
    return sha.digest(right);
  }

  /**
   * The root hash an audit path leads to, or empty when the path is malformed; the algorithm of RFC
   * 9162 §2.1.3.2 (verifying an inclusion proof), which RFC 6962 trees satisfy.
   */
  static Optional<byte[]> rootFromInclusionProof(
      long index, long treeSize, byte[] leafHash, List<byte[]> path) {
    if (index < 0 || index >= treeSize) {
      return Optional.empty();
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (sn == 0 || p.length != 32) {
        return Optional.empty();
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 ? Optional.of(r) : Optional.empty();
  }

  /**
   * Checks a checkpoint, a C2SP signed note whose text is the origin line, the decimal tree size
   * and the base64 root hash (C2SP tlog-checkpoint), each ending in a newline; a blank line
   * separates the text from signature lines {@code — <name> <base64(key hash[0:4] || sig)>}.
   */
  static Optional<String> checkpoint(InclusionProof proof, byte[] root, TransparencyLog log) {
    String note = proof.checkpoint();
    int split = note.indexOf("\n\n");
    if (split < 0) {
      return Optional.of("checkpoint is not a signed note");
    }
    String text = note.substring(0, split + 1);
    String[] lines = text.split("\n");
    if (lines.length < 3) {
      return Optional.of("checkpoint has fewer than three lines");
    }
    long size;
    byte[] checkpointRoot;
    try {
      size = Long.parseLong(lines[1]);
      checkpointRoot = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      return Optional.of("checkpoint tree size or root hash is malformed");
    }
    byte[] hint = Arrays.copyOf(log.keyDigest(), 4);
    boolean signed = false;
    for (String line : note.substring(split + 2).split("\n")) {
      if (!line.startsWith(SIGNATURE_PREFIX)) {
        continue;
      }
      String[] parts = line.substring(SIGNATURE_PREFIX.length()).split(" ");
      if (parts.length != 2) {
        continue;
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (blob.length > 4 && Arrays.equals(Arrays.copyOf(blob, 4), hint)) {
        byte[] sig = Arrays.copyOfRange(blob, 4, blob.length);
        signed |= Signatures.verify(log.key(), text.getBytes(StandardCharsets.UTF_8), sig);
      }
    }
    if (!signed) {
      return Optional.of("checkpoint signature invalid");
    }
    if (size != proof.treeSize() || !Arrays.equals(checkpointRoot, root)) {
      return Optional.of("inclusion proof does not lead to the checkpoint root");
    }
    return Optional.empty();
  }

  private static MessageDigest sha256() {
    return dev.pypiguard.core.blob.Sha256.digest();
  }
}
