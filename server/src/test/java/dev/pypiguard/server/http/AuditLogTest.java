package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.admin.RecentBlocks;
import dev.pypiguard.server.metrics.ProxyMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: the audit log recovers after a write failure (a full disk) and says so. */
class AuditLogTest {
  @TempDir Path tmp;

  @Test
  void diskFull_linesHeld_thenWrittenWhenTheFileIsWritableAgain() throws Exception {
    Path file = tmp.resolve("audit.log");
    // /dev/full answers every write with ENOSPC: a full disk.
    Files.createSymbolicLink(file, Path.of("/dev/full"));
    try (var log = new AuditLog(file, Runnable::run, new ProxyMetrics(), new RecentBlocks(10))) {
      log.write("{\"n\":1}\n");
      log.write("{\"n\":2}\n");
      assertThat(log.health()).isPresent().get().asString().contains("cannot be written");
      Files.delete(file);
      log.write("{\"n\":3}\n");
      assertThat(log.health()).isEmpty();
    }
    var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
  }

  @Test
  void tooMuchHeld_theLossIsWrittenIntoTheLog() throws Exception {
    Path dir = tmp.resolve("gone");
    Files.writeString(dir, "a file where the directory should be");
    Path file = dir.resolve("audit.log");
    try (var log = new AuditLog(file, Runnable::run, new ProxyMetrics(), new RecentBlocks(10))) {
      String big = "x".repeat(AuditLog.MAX_HELD / 2) + "\n";
      log.write(big);
      log.write(big);
      log.write(big);
      Files.delete(dir);
      log.write("{\"n\":4}\n");
    }
    var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).anyMatch(l -> l.contains("\"event\":\"audit-log-gap\"") && l.contains("\"lost\":"));
    assertThat(lines.get(lines.size() - 1)).contains("audit-log-gap");
  }
}
