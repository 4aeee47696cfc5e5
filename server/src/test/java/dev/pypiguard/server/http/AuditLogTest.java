package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.server.admin.RecentBlocks;
import dev.pypiguard.server.metrics.ProxyMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: the audit log recovers after a write failure (a full disk) and says so. Issue 15:
 * repeated decisions coalesce into counted lines, and none is lost.
 */
class AuditLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static FileDecision blocked(String file) {
    return new FileDecision(
        FileEntry.of(file, "https://files.invalid/" + file, Map.of("sha256", "ab".repeat(32))),
        "1.0",
        new Decision.Block(
            List.of(new Reason("release-age", "uploaded 2 days ago, minimum is 7 days"))));
  }

  private static List<JsonNode> lines(Path file) throws Exception {
    var out = new java.util.ArrayList<JsonNode>();
    for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @Test
  void repeatedDecisions_firstWrittenAtOnce_repeatsCountedInOneLinePerFileAtFlush()
      throws Exception {
    Path file = tmp.resolve("audit.log");
    var recent = new RecentBlocks(10);
    var metrics = new ProxyMetrics();
    var page = List.of(blocked("a-1.0-py3-none-any.whl"), blocked("a-1.0.tar.gz"));
    try (var log = new AuditLog(file, Runnable::run, metrics, recent)) {
      for (int i = 0; i < 5; i++) {
        log.record("10.0.0.1", "-", "page", "a", page, "policy-1");
      }
      log.record("10.0.0.2", "ci", "page", "a", page, "policy-1");
      // The first serving to each client, line by line, before any flush.
      List<JsonNode> first = lines(file);
      assertThat(first).hasSize(4);
      assertThat(first).allMatch(l -> l.path("count").asLong() == 1 && !l.has("first-time"));
      assertThat(first.stream().map(l -> l.path("client").asText()))
          .containsExactly("10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2");
      assertThat(first.get(2).path("user").asText()).isEqualTo("ci");

      log.flush();
      List<JsonNode> counted = lines(file).subList(4, lines(file).size());
      assertThat(counted).hasSize(2);
      assertThat(counted.stream().map(l -> l.path("file").asText()))
          .containsExactly("a-1.0-py3-none-any.whl", "a-1.0.tar.gz");
      assertThat(counted)
          .allMatch(
              l ->
                  l.path("count").asLong() == 4
                      && l.has("first-time")
                      && l.path("client").asText().equals("10.0.0.1")
                      && l.path("rule").asText().equals("release-age"));
      assertThat(recent.newest(10)).allMatch(e -> e.count() == 6);

      // A window without repeats writes nothing and forgets the tally: the next one is a first
      // line.
      log.flush();
      log.flush();
      assertThat(lines(file)).hasSize(6);
      log.record("10.0.0.1", "-", "page", "a", page, "policy-1");
      assertThat(lines(file)).hasSize(8);
      assertThat(lines(file).get(7).path("count").asLong()).isEqualTo(1);
    }
    assertThat(metrics.registry().scrape())
        .contains("pypiguard_policy_decisions_total{outcome=\"block\",rule=\"release-age\"} 14.0");
  }

  @Test
  void close_writesTheCountsStillPending() throws Exception {
    Path file = tmp.resolve("audit.log");
    var page = List.of(blocked("b-2.0-py3-none-any.whl"));
    try (var log = new AuditLog(file, Runnable::run, new ProxyMetrics(), new RecentBlocks(10))) {
      for (int i = 0; i < 3; i++) {
        log.record("10.0.0.1", "-", "file", "b", page, "policy-1");
      }
    }
    assertThat(lines(file).stream().mapToLong(l -> l.path("count").asLong()).sum()).isEqualTo(3);
    assertThat(lines(file)).hasSize(2);
  }

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
    assertThat(lines)
        .anyMatch(l -> l.contains("\"event\":\"audit-log-gap\"") && l.contains("\"lost\":"));
    assertThat(lines.get(lines.size() - 1)).contains("audit-log-gap");
  }
}
