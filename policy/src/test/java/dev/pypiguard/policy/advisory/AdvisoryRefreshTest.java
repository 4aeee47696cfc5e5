package dev.pypiguard.policy.advisory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a bad advisory source (an oversized entry, a zip that is not one, invalid JSON) never
 * stops later refreshes; the last good data stays in force and the failure is reported.
 */
class AdvisoryRefreshTest {
  @TempDir Path tmp;

  private Path zip(String name, byte[]... records) throws IOException {
    Path zip = tmp.resolve(name);
    Path part = tmp.resolve(name + ".part");
    try (OutputStream out = Files.newOutputStream(part);
        var z = new ZipOutputStream(out)) {
      for (int i = 0; i < records.length; i++) {
        z.putNextEntry(new ZipEntry(AdvisoryLoadTest.id(i) + ".json"));
        z.write(records[i]);
        z.closeEntry();
      }
    }
    Files.move(part, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return zip;
  }

  private static byte[] good(int i) {
    return AdvisoryLoadTest.record(i + 1).getBytes(StandardCharsets.UTF_8); // record 0 is withdrawn
  }

  @Test
  void oversizedEntry_failsTheLoadWithOneMessage() throws IOException {
    byte[] huge = new byte[OsvZipSource.MAX_RECORD_BYTES + 10];
    java.util.Arrays.fill(huge, (byte) ' ');
    Path zip = zip("all.zip", good(0), huge);
    assertThatThrownBy(() -> new OsvZipSource(zip).load())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is larger than");
  }

  @Test
  @SuppressWarnings("try") // the refresher runs for the try block's length; the test only closes it
  void refresher_survivesBadSources_keepsLastGoodData_andRecovers() throws Exception {
    Path zip = zip("all.zip", good(0), good(1));
    AdvisorySources sources = AdvisorySources.load(List.of(new OsvZipSource(zip)));
    int good = sources.database().size();
    assertThat(good).isEqualTo(2);
    try (var refresher = sources.startRefresher(Duration.ofMillis(100))) {
      // Not a zip at all, then an oversized entry: each refresh fails, the data stays.
      Files.write(zip, "not a zip".getBytes(StandardCharsets.UTF_8));
      awaitFailure(sources, "zip");
      assertThat(sources.database().size()).isEqualTo(good);
      byte[] huge = new byte[OsvZipSource.MAX_RECORD_BYTES + 10];
      zip("all.zip", good(0), huge);
      awaitFailure(sources, "is larger than");
      assertThat(sources.database().size()).isEqualTo(good);
      // A fixed source is read again by the same refresher.
      zip("all.zip", good(0), good(1), good(2), "{not json".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 100 && sources.database().size() != 3; i++) {
        Thread.sleep(50);
      }
      assertThat(sources.database().size())
          .as("invalid JSON skips a record, not the source")
          .isEqualTo(3);
      assertThat(sources.lastRefresh().failure()).isEmpty();
    }
  }

  private static void awaitFailure(AdvisorySources sources, String why)
      throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (sources.lastRefresh().failure().filter(f -> f.contains(why)).isPresent()) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(sources.lastRefresh().failure())
        .as("a refresh failure naming " + why)
        .isPresent()
        .get()
        .asString()
        .contains(why);
  }
}
