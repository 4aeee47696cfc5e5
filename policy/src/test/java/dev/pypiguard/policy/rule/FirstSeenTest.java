package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirstSeenTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-02-01T00:00:00Z");

  @Test
  void firstSeen_inMemory_keepsFirstTime() {
    FirstSeen s = new InMemoryFirstSeen();
    assertThat(s.firstSeen("a", T0)).isEqualTo(T0);
    assertThat(s.firstSeen("a", T1)).isEqualTo(T0);
    assertThat(s.firstSeen("b", T1)).isEqualTo(T1);
  }

  @Test
  void firstSeen_badKey_refused() {
    assertThatThrownBy(() -> new InMemoryFirstSeen().firstSeen("a\tb", T0))
        .hasMessageContaining("\"a\tb\" (expected: non-empty, without tabs or line breaks)");
  }

  @Test
  void firstSeen_fileBacked_survivesReopen(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("sub/first-seen.tsv");
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      assertThat(s.firstSeen("a-1.0.tar.gz sha256=ab", T0)).isEqualTo(T0);
    }
    assertThat(Files.readString(f))
        .isEqualTo("a-1.0.tar.gz sha256=ab\t" + T0.toEpochMilli() + "\n");
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      assertThat(s.firstSeen("a-1.0.tar.gz sha256=ab", T1)).isEqualTo(T0);
    }
  }

  @Test
  void firstSeen_tornLastLine_skippedAndNextRecordOnItsOwnLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("fs.tsv");
    Files.writeString(f, "a\t" + T0.toEpochMilli() + "\nb\t", StandardCharsets.UTF_8);
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      assertThat(s.firstSeen("a", T1)).isEqualTo(T0);
      assertThat(s.firstSeen("b", T1)).as("the torn record is not trusted").isEqualTo(T1);
    }
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      assertThat(s.firstSeen("b", Instant.now())).isEqualTo(T1);
    }
  }

  @Test
  void firstSeen_duplicateKeysInFile_earliestWins(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("fs.tsv");
    Files.writeString(f, "a\t" + T1.toEpochMilli() + "\na\t" + T0.toEpochMilli() + "\n");
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      assertThat(s.firstSeen("a", Instant.now())).isEqualTo(T0);
    }
  }

  @Test
  void firstSeen_concurrentCallers_oneTimePerKeyAndOneLineEach(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("fs.tsv");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (FileFirstSeen s = new FileFirstSeen(f)) {
      List<Future<Instant>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Instant now = T0.plusSeconds(t);
        results.add(
            pool.submit(
                () -> {
                  Instant first = null;
                  for (int k = 0; k < 200; k++) {
                    Instant got = s.firstSeen("k" + k, now);
                    if (k == 0) {
                      first = got;
                    }
                  }
                  return first;
                }));
      }
      Instant first = results.get(0).get();
      for (Future<Instant> r : results) {
        assertThat(r.get()).isEqualTo(first);
      }
    } finally {
      pool.shutdown();
    }
    assertThat(Files.readAllLines(f)).hasSize(200).doesNotHaveDuplicates();
  }
}
