package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessLogTest {
  /** Issue 14: what a client sends cannot forge or colour a log line. */
  @Test
  void clean_escapesControlBytesQuotesAndBackslashes() {
    assertThat(AccessLog.clean("/x?a=\u001b[31m\r\nfake \"line\" \\"))
        .isEqualTo("/x?a=\\x1b[31m\\x0d\\x0afake \\\"line\\\" \\\\");
    assertThat(AccessLog.clean("a".repeat(600))).hasSize(515).endsWith("...");
  }
}
