package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cache.max-size}: least recently used artifacts are evicted (issue 7, part). */
class EvictionIT {
  @TempDir Path cache;

  Path blob(Artifact a) {
    String h = a.sha256();
    return cache.resolve("blobs/sha256/" + h.substring(0, 2) + "/" + h.substring(2, 4) + "/" + h);
  }

  @Test
  void maxSize_evictsLeastRecentlyUsed_andRefetchesOnDemand() {
    try (Harness h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            cache,
            c -> Harness.permissive(c).withMaxCacheBytes(2_500_000))) {
      // Random bytes named as sdists: a wheel of them would be held, its METADATA unreadable.
      Artifact a = Artifact.randomBlob("pa-1.0.tar.gz", 1_000_000, 1);
      Artifact b = Artifact.randomBlob("pb-1.0.tar.gz", 1_000_000, 2);
      Artifact c = Artifact.randomBlob("pc-1.0.tar.gz", 1_000_000, 3);
      h.upstream.publishAll(a, b, c);
      for (Artifact x : new Artifact[] {a, b, a, c}) {
        var r = h.get("/files/" + x.normalizedProject() + "/" + x.filename());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(x.bytes());
        // A file this small is kept just after it is sent: the next request is a hit (a's second
        // one makes b the least recently used), and keeping c evicts.
        h.awaitKept(x.sha256());
      }
      Harness.eventually("b is evicted", () -> !Files.exists(blob(b)));
      assertThat(blob(a)).exists();
      assertThat(blob(c)).exists();
      var again = h.get("/files/" + b.normalizedProject() + "/" + b.filename());
      assertThat(again.body()).isEqualTo(b.bytes());
      // Downloaded twice; the range probes for its METADATA (the page gives none) are not
      // downloads.
      assertThat(
              h.upstream.requests("/files/" + b.filename())
                  - h.upstream.rangeRequests("/files/" + b.filename()))
          .isEqualTo(2);
    }
  }
}
