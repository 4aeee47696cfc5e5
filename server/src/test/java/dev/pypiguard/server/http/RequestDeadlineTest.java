package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
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
}
