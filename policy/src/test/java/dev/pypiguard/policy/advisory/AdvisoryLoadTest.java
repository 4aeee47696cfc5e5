package dev.pypiguard.policy.advisory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.ProjectName;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a generated zip the size of OSV's PyPI/all.zip (about 20,000 records, most with long
 * version lists) and logs time and heap. Asserts correctness only: timings vary by machine.
 */
class AdvisoryLoadTest {
  private static final Logger LOG = LoggerFactory.getLogger(AdvisoryLoadTest.class);
  static final int RECORDS = 20_000;
  static final int PROJECTS = 4_000;

  @Test
  void zipSource_twentyThousandRecords_loadsAndAnswersCorrectly(@TempDir Path tmp)
      throws IOException {
    Path zip = tmp.resolve("all.zip");
    try (OutputStream out = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(out)) {
      for (int i = 0; i < RECORDS; i++) {
        z.putNextEntry(new ZipEntry(id(i) + ".json"));
        z.write(record(i).getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heapBefore = rt.totalMemory() - rt.freeMemory();
    long start = System.nanoTime();
    AdvisoryDatabase db = AdvisoryDatabase.of(new OsvZipSource(zip).load());
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.gc();
    long heapAfter = rt.totalMemory() - rt.freeMemory();
    String line =
        String.format(
            "loaded %d records (%d KiB zip) in %d ms; heap used by the database about %d MiB",
            db.size(), Files.size(zip) / 1024, ms, (heapAfter - heapBefore) / (1024 * 1024));
    LOG.info(line);
    System.out.println("AdvisoryLoadTest: " + line);

    assertThat(db.size()).isEqualTo(RECORDS - RECORDS / 100);
    // Record 7: project p7, introduced 1.0, fixed 1.7, plus versions 0.1 .. 0.50.
    // Records 7, 4007, ... 16007 (all about p7) alias each other in a chain: one flaw, reported
    // once.
    assertThat(db.affecting(new ProjectName("p7"), "1.6"))
        .hasSize(1)
        .allMatch(a -> a.knownAs(id(7)));
    assertThat(db.affecting(new ProjectName("p7"), "0.33"))
        .hasSize(1)
        .allMatch(a -> a.knownAs(id(7)));
    assertThat(db.affecting(new ProjectName("p7"), "1.6").get(0).severity())
        .contains(Severity.CRITICAL);
    assertThat(db.affecting(new ProjectName("p7"), "1.7")).noneMatch(a -> a.knownAs(id(7)));
    assertThat(db.affecting(new ProjectName("p100"), "1.0")).isEmpty(); // withdrawn: every 100th
    assertThat(db.affecting(new ProjectName("nope"), "1.0")).isEmpty();
  }

  static String id(int i) {
    return (i % 2 == 0 ? "PYSEC-2020-" : "GHSA-") + i;
  }

  static String record(int i) {
    int project = i % PROJECTS;
    int fixed = 1 + i / PROJECTS;
    StringBuilder versions = new StringBuilder();
    for (int v = 1; v <= 50; v++) {
      versions.append(v == 1 ? "" : ",").append("\"0.").append(v).append('"');
    }
    // Each record aliases its twin in the next block of projects' ids.
    String alias = id(i + PROJECTS < RECORDS ? i + PROJECTS : i - PROJECTS);
    return "{\"id\": \""
        + id(i)
        + "\", \"modified\": \"2024-01-01T00:00:00Z\","
        + (i % 100 == 0 ? " \"withdrawn\": \"2024-02-01T00:00:00Z\"," : "")
        + " \"aliases\": [\""
        + alias
        + "\", \"CVE-2020-"
        + i
        + "\"],"
        + " \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
        + " \"affected\": [{\"package\": {\"name\": \"P"
        + project
        + "\", \"ecosystem\": \"PyPI\"},"
        + " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"1.0\"}, {\"fixed\": \"1."
        + (fixed + 6)
        + "\"}]}],"
        + " \"versions\": ["
        + versions
        + "]}]}";
  }
}
