package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README "Speed": which rendered bodies go to unlinked files, and that a failure keeps memory. */
class PageFileBodyTest {
  @TempDir Path dir;

  @Test
  void onlyBodiesBetweenTheBounds_goToAFile_whichIsUnlinkedAtOnce() throws Exception {
    assertThat(PageReplies.FileBody.of(null, new byte[PageReplies.FILE_MIN])).isNull(); // TLS
    assertThat(PageReplies.FileBody.of(dir, new byte[PageReplies.FILE_MIN - 1])).isNull();
    assertThat(PageReplies.FileBody.of(dir, new byte[PageReplies.FILE_MAX + 1])).isNull();

    var body = PageReplies.FileBody.of(dir, new byte[PageReplies.FILE_MIN]);
    assertThat(body).isNotNull();
    assertThat(body.length).isEqualTo(PageReplies.FILE_MIN);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
    // A send holds its own reference: the file outlives the reply until the send is done.
    var region = body.region();
    body.release();
    assertThat(body.refCnt()).isEqualTo(1);
    region.release();
    assertThat(body.refCnt()).isZero();
  }

  /**
   * Past the descriptor bound, bodies stay in memory, and the refusals leave the byte count as it
   * was: a count that drifted down would let files past the disk bound later.
   */
  @Test
  void refusalsAtTheDescriptorBound_leaveTheCountsAsTheyWere() {
    int filesBefore = PageReplies.openFiles();
    long bytesBefore = PageReplies.openBytes();
    var held = new java.util.ArrayList<PageReplies.FileBody>();
    try {
      byte[] bytes = new byte[PageReplies.FILE_MIN];
      for (int i = filesBefore; i < PageReplies.OPEN_LIMIT; i++) {
        held.add(java.util.Objects.requireNonNull(PageReplies.FileBody.of(dir, bytes)));
      }
      long bytesAtTheBound = PageReplies.openBytes();
      for (int i = 0; i < 100; i++) {
        assertThat(PageReplies.FileBody.of(dir, bytes)).isNull();
      }
      assertThat(PageReplies.openFiles()).isEqualTo(PageReplies.OPEN_LIMIT);
      assertThat(PageReplies.openBytes()).isEqualTo(bytesAtTheBound);
    } finally {
      held.forEach(PageReplies.FileBody::release);
    }
    assertThat(PageReplies.openFiles()).isEqualTo(filesBefore);
    assertThat(PageReplies.openBytes()).isEqualTo(bytesBefore);
  }

  @Test
  void aFolderThatCannotBeWritten_keepsTheBodyInMemory() {
    assertThat(PageReplies.FileBody.of(dir.resolve("missing"), new byte[PageReplies.FILE_MIN]))
        .isNull();
  }
}
