package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
  @Test
  void cap_isBelowHalfTheFileDescriptorLimit() {
    assertThat(ConnectionLimits.cap(4096, 1024)).isEqualTo(448);
    assertThat(ConnectionLimits.cap(100, 1_000_000)).isEqualTo(100);
    assertThat(ConnectionLimits.cap(4096, 40)).isEqualTo(16);
    assertThat(ConnectionLimits.cap(4096, -1)).isEqualTo(4096);
  }
}
