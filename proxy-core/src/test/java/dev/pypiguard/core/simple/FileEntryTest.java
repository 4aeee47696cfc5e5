package dev.pypiguard.core.simple;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FileEntryTest {
  /** Issue 14: a malformed sha256 counts as none (it could reach a file path or a comparison). */
  @Test
  void sha256_malformed_countsAsNone() {
    String good = "a".repeat(64);
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", good)).sha256()).contains(good);
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "../../etc/passwd")).sha256())
        .isEmpty();
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "a".repeat(63))).sha256())
        .isEmpty();
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "g".repeat(64))).sha256())
        .isEmpty();
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "A".repeat(64))).sha256())
        .as("upper case is normalized")
        .contains(good);
  }

  @Test
  void digest_isTheWellFormedSha256AsAValue_elseEmpty() {
    String good = "b".repeat(64);
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", good)).digest())
        .contains(new dev.pypiguard.core.blob.Sha256(good));
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "B".repeat(64))).digest())
        .contains(new dev.pypiguard.core.blob.Sha256(good));
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("sha256", "../../etc/passwd")).digest())
        .isEmpty();
    assertThat(FileEntry.of("x-1.0.tar.gz", "u", Map.of("md5", "0".repeat(32))).digest()).isEmpty();
  }
}
