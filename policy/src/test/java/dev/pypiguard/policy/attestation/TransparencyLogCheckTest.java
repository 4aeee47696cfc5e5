package dev.pypiguard.policy.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransparencyLogCheckTest {
  static byte[] leaf(int i) {
    return TransparencyLogCheck.leafHash(("leaf" + i).getBytes(StandardCharsets.UTF_8));
  }

  static byte[] node(byte[] l, byte[] r) {
    byte[] both = new byte[65];
    both[0] = 1;
    System.arraycopy(l, 0, both, 1, 32);
    System.arraycopy(r, 0, both, 33, 32);
    return TrustedRoot.sha256(both);
  }

  @Test
  void rootFromInclusionProof_fiveLeafTree_leadsToRootForEveryLeaf() {
    // RFC 6962 §2.1 tree of five leaves: ((0 1)(2 3)) 4
    byte[] h01 = node(leaf(0), leaf(1));
    byte[] h23 = node(leaf(2), leaf(3));
    byte[] h0123 = node(h01, h23);
    byte[] root = node(h0123, leaf(4));
    List<List<byte[]>> paths = new ArrayList<>();
    paths.add(List.of(leaf(1), h23, leaf(4)));
    paths.add(List.of(leaf(0), h23, leaf(4)));
    paths.add(List.of(leaf(3), h01, leaf(4)));
    paths.add(List.of(leaf(2), h01, leaf(4)));
    paths.add(List.of(h0123));

    for (int i = 0; i < 5; i++) {
      assertThat(TransparencyLogCheck.rootFromInclusionProof(i, 5, leaf(i), paths.get(i)))
          .as("leaf %d", i)
          .hasValueSatisfying(r -> assertThat(r).isEqualTo(root));
    }
  }

  @Test
  void rootFromInclusionProof_indexOutsideTreeOrPathTooLong_empty() {
    assertThat(TransparencyLogCheck.rootFromInclusionProof(5, 5, leaf(0), List.of())).isEmpty();
    assertThat(TransparencyLogCheck.rootFromInclusionProof(0, 1, leaf(0), List.of(leaf(1))))
        .isEmpty();
  }

  @Test
  void pae_inToto_matchesDsseSpecExample() {
    assertThat(
            new String(
                AttestationVerifier.pae("hi".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8))
        .isEqualTo("DSSEv1 28 application/vnd.in-toto+json 2 hi");
  }
}
