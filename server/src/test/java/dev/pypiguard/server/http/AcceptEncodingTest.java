package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Accept-Encoding as a client may send it (RFC 9110 §12.5.3), odd forms included. */
class AcceptEncodingTest {
  @Test
  void acceptsGzip_plainAndWeighted() {
    assertThat(RequestHandler.acceptsGzip("gzip, deflate")).isTrue();
    assertThat(RequestHandler.acceptsGzip("br;q=1, gzip;q=0.5")).isTrue();
    assertThat(RequestHandler.acceptsGzip("*")).isTrue();
    assertThat(RequestHandler.acceptsGzip(null)).isFalse();
  }

  @Test
  void acceptsGzip_refusedByZeroWeight() {
    assertThat(RequestHandler.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(RequestHandler.acceptsGzip("gzip; q=0.000")).isFalse();
  }

  /** A fuzz finding (issue 14): a member that is only a separator threw out of the handler. */
  @Test
  void acceptsGzip_membersOfSeparatorsOnly_isFalseNotAnException() {
    assertThat(RequestHandler.acceptsGzip("r, ;, ;*q=0")).isFalse();
    assertThat(RequestHandler.acceptsGzip(";")).isFalse();
    assertThat(RequestHandler.acceptsGzip(",,;;")).isFalse();
  }
}
