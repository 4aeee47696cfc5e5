package dev.pypiguard.core.blob;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LruEvictionTest {
  static Sha256 key(int i) {
    return Sha256.of(new byte[] {(byte) i});
  }

  @Test
  void added_overLimit_evictsLeastRecentlyUsedFirst() {
    var lru = new LruEviction(300);
    assertThat(lru.added(key(1), 100)).isEmpty();
    assertThat(lru.added(key(2), 100)).isEmpty();
    assertThat(lru.added(key(3), 100)).isEmpty();
    lru.touched(key(1));
    assertThat(lru.added(key(4), 100)).containsExactly(key(2));
    assertThat(lru.total()).isEqualTo(300);
  }

  @Test
  void added_pinnedBlob_isNeverEvicted() {
    var lru = new LruEviction(200);
    lru.added(key(1), 100);
    lru.added(key(2), 100);
    lru.pin(key(1));
    assertThat(lru.added(key(3), 100)).containsExactly(key(2));
    lru.unpin(key(1));
    assertThat(lru.added(key(4), 100)).containsExactly(key(1));
  }

  @Test
  void added_newBlobLargerThanLimit_isKeptWhileOthersGo() {
    var lru = new LruEviction(100);
    lru.added(key(1), 50);
    assertThat(lru.added(key(2), 500)).containsExactly(key(1));
    assertThat(lru.total()).isEqualTo(500);
  }
}
