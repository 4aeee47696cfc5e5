package dev.pypiguard.policy.advisory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.ProjectName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The OpenSSF malicious-packages snapshot shipped as a resource (issue 18). */
class BundledSnapshotTest {
  private static ProjectName name(String n) {
    return ProjectName.parse(n).orElseThrow();
  }

  @Test
  void recordsTxt_listsEveryRecordShipped() throws Exception {
    Path dir =
        Path.of(BundledSnapshot.class.getResource("bundled/records.txt").toURI()).getParent();
    List<String> listed =
        Files.readAllLines(dir.resolve("records.txt")).stream().filter(l -> !l.isBlank()).toList();
    try (Stream<Path> files = Files.walk(dir.resolve("osv"))) {
      List<String> shipped =
          files
              .filter(Files::isRegularFile)
              .map(f -> dir.relativize(f).toString().replace('\\', '/'))
              .sorted()
              .toList();
      assertThat(listed).containsExactlyInAnyOrderElementsOf(shipped);
    }
    assertThat(dir.resolve("SOURCES.md")).exists();
    assertThat(Files.readString(dir.resolve("LICENSE"))).contains("Apache License", "Version 2.0");
  }

  @Test
  void load_blocksMaliciousReleases_notWithdrawnOnes() throws Exception {
    List<Advisory> records = new BundledSnapshot().load();
    assertThat(records).hasSize(10);
    AdvisoryDatabase db = AdvisoryDatabase.of(records);
    assertThat(db.affecting(name("0requests"), "0.0.1"))
        .extracting(Advisory::id)
        .containsExactly("MAL-2026-15859");
    assertThat(db.affecting(name("0requests"), "0.0.1")).allMatch(Advisory::malicious);
    // A withdrawn false positive against a popular project affects nothing.
    assertThat(db.affecting(name("fastapi"), "0.136.3")).isEmpty();
    assertThat(db.affecting(name("requests"), "2.32.3")).isEmpty();
  }

  @Test
  void spelledBundled_andSummarisedWithItsDate() throws Exception {
    assertThat(AdvisorySources.parse("bundled")).isInstanceOf(BundledSnapshot.class);
    AdvisorySources sources =
        AdvisorySources.load(List.of(AdvisorySources.parse(BundledSnapshot.SPEC)));
    assertThat(sources.summaries())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.records()).isEqualTo(10);
              assertThat(s.malicious()).isEqualTo(10);
              assertThat(s.newest()).hasValue(Instant.parse("2026-09-04T00:47:46.156672516Z"));
              assertThat(s.toString())
                  .isEqualTo(
                      "bundled OpenSSF malicious-packages snapshot: 10 records (10 malicious), as of 2026-09-04");
            });
  }
}
