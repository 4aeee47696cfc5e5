package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The request clocks of a connection on the event loop's own clock, moved by the test: each clock
 * ends when it should (not before, however its one timer was left), and no configured length breaks
 * the arithmetic. The real sockets are HostileClientsIT's.
 */
class RequestDeadlineTest {
  private final RequestDeadline deadline =
      new RequestDeadline(Duration.ofSeconds(10), Duration.ofSeconds(60));

  private EmbeddedChannel channel(RequestDeadline d) {
    var ch = new EmbeddedChannel(d);
    ch.freezeTime();
    return ch;
  }

  private static void advance(EmbeddedChannel ch, Duration by) {
    ch.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
    ch.runScheduledPendingTasks();
  }

  private static void bytes(EmbeddedChannel ch) {
    ch.writeInbound(Unpooled.copiedBuffer("GET", StandardCharsets.US_ASCII));
    ch.readInbound(); // passed on, as the codec after it would take it
  }

  @Test
  void aConnectionThatSendsNothing_isClosedAtTheHeadersDeadline_notBefore() {
    var ch = channel(deadline);
    advance(ch, Duration.ofSeconds(9));
    assertThat(ch.isOpen()).isTrue();
    advance(ch, Duration.ofSeconds(1));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void afterAnAnswer_theIdleClockRuns_thenTheNextBytesRunTheHeadersClockAfresh() {
    var ch = channel(deadline);
    advance(ch, Duration.ofSeconds(5));
    deadline.requestReceived();
    advance(ch, Duration.ofSeconds(30)); // served for 30 s: neither clock runs
    assertThat(ch.isOpen()).isTrue();
    deadline.idle();
    advance(ch, Duration.ofSeconds(59));
    assertThat(ch.isOpen()).as("within timeouts.idle").isTrue();
    bytes(ch); // the next request begins: 10 s for its headers, whatever the idle clock had left
    advance(ch, Duration.ofSeconds(9));
    assertThat(ch.isOpen()).isTrue();
    advance(ch, Duration.ofSeconds(1));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void anIdleConnection_isClosedAtTheIdleDeadline() {
    var ch = channel(deadline);
    deadline.requestReceived();
    deadline.idle();
    advance(ch, Duration.ofSeconds(59));
    assertThat(ch.isOpen()).isTrue();
    advance(ch, Duration.ofSeconds(1));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void keptAliveRequests_leaveTheOneTimerWhereItWas_andTheClocksStillEnd() {
    var ch = channel(deadline);
    advance(ch, Duration.ofSeconds(1));
    for (int i = 0; i < 100; i++) { // answered, then the next request begins, all at 1 s
      deadline.requestReceived();
      deadline.idle();
      bytes(ch);
    }
    // The check set at the start (due at 10 s) was neither moved nor joined by another: README
    // "Speed", a kept-alive connection costs no timer operation per request.
    // (The channel was active a moment before the test froze its clock, hence "about" 9 s.)
    assertThat(ch.runScheduledPendingTasks())
        .isBetween(Duration.ofMillis(8_900).toNanos(), Duration.ofSeconds(9).toNanos());
    advance(ch, Duration.ofSeconds(9)); // the check finds the headers clock begun at 1 s
    assertThat(ch.isOpen()).isTrue();
    advance(ch, Duration.ofSeconds(1));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aLongerClockThanTheNanosecondArithmeticHolds_meansNever_andBreaksNothing() {
    // the config takes 999999999w; its nanoseconds overflow a long
    var never = Duration.ofDays(7L * 999_999_999);
    var d = new RequestDeadline(never, never);
    var ch = channel(d);
    advance(ch, Duration.ofDays(3650));
    assertThat(ch.isOpen()).isTrue();
    d.requestReceived();
    d.idle();
    bytes(ch);
    advance(ch, Duration.ofDays(3650));
    assertThat(ch.isOpen()).isTrue();
  }

  /** Lets {@code by} pass a second at a time, each second's due checks run, as on a real loop. */
  private static void pass(EmbeddedChannel ch, Duration by) {
    for (long s = 0; s < by.toSeconds(); s++) {
      advance(ch, Duration.ofSeconds(1));
    }
  }

  @Test
  void anAnswerThatGoesOutSlowly_isNotCut_oneThatStops_isCutAfterFiveMinutes() {
    var ch = channel(deadline);
    deadline.requestReceived();
    // A file sent whole (one region, as by sendfile) to a slow reader: one write, flushed, whose
    // progress moves a little every 100 s. Before, an idle handler saw one write in ten minutes
    // and cut the download at five.
    ch.write(Unpooled.wrappedBuffer(new byte[1000]));
    ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    out.addFlush(); // flushed, not yet gone out
    for (int i = 0; i < 6; i++) {
      pass(ch, Duration.ofSeconds(100));
      out.progress(10);
    }
    assertThat(ch.isOpen()).as("ten minutes of a slow reader").isTrue();
    // Then the reader stops reading: nothing moves.
    pass(ch, Duration.ofSeconds(290));
    assertThat(ch.isOpen()).as("within five minutes of the last byte").isTrue();
    pass(ch, Duration.ofSeconds(90)); // the check runs at least once a minute
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void writesThatLeaveAtOnce_countAsProgress_andAServedRequestThatWritesNothing_isCut() {
    var ch = channel(deadline);
    deadline.requestReceived();
    for (int i = 0; i < 10; i++) { // a download streamed in chunks that each go out at once
      pass(ch, Duration.ofSeconds(60));
      ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[10]));
      ch.readOutbound();
    }
    assertThat(ch.isOpen()).as("ten minutes of chunks").isTrue();
    pass(ch, Duration.ofSeconds(290)); // then nothing: a request that waits for nothing
    assertThat(ch.isOpen()).isTrue();
    pass(ch, Duration.ofSeconds(90));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void theStallCheck_holdsWithClocksOfNever() {
    var never = Duration.ofDays(7L * 999_999_999);
    var d = new RequestDeadline(never, never);
    var ch = channel(d);
    d.requestReceived();
    ch.write(Unpooled.wrappedBuffer(new byte[1000])); // pending, never going out
    pass(ch, Duration.ofSeconds(200));
    assertThat(ch.isOpen()).isTrue();
    for (int i = 0; i < 4; i++) {
      pass(ch, Duration.ofSeconds(60));
    }
    assertThat(ch.isOpen()).isFalse();
  }
}
