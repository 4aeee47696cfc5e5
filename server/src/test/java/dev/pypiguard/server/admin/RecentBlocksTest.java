package dev.pypiguard.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The bounded memory of recent blocking decisions behind /-/admin/blocks and the status page. */
class RecentBlocksTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  static void add(RecentBlocks b, int second, String file, String via) {
    b.add(
        T0.plusSeconds(second),
        "alpha",
        file,
        "1.0",
        "block",
        via,
        "release-age",
        "release-age: too new",
        "10.0.0." + second,
        "-");
  }

  @Test
  void sameDecisionAgain_updatesItsEntry_newestFirst() {
    var b = new RecentBlocks(10);
    add(b, 1, "a.whl", "page");
    add(b, 2, "b.whl", "page");
    add(b, 3, "a.whl", "file");
    assertThat(b.newest(10)).extracting(RecentBlocks.Entry::file).containsExactly("a.whl", "b.whl");
    RecentBlocks.Entry a = b.newest(1).get(0);
    assertThat(a.count()).isEqualTo(2);
    assertThat(a.first()).isEqualTo(T0.plusSeconds(1));
    assertThat(a.last()).isEqualTo(T0.plusSeconds(3));
    assertThat(a.via()).isEqualTo("page,file");
    assertThat(a.client()).isEqualTo("10.0.0.3");
  }

  @Test
  void beyondCapacity_theLeastRecentlySeenGo() {
    var b = new RecentBlocks(2);
    add(b, 1, "a.whl", "page");
    add(b, 2, "b.whl", "page");
    add(b, 3, "a.whl", "page");
    add(b, 4, "c.whl", "page");
    assertThat(b.size()).isEqualTo(2);
    assertThat(b.newest(5)).extracting(RecentBlocks.Entry::file).containsExactly("c.whl", "a.whl");
  }
}
