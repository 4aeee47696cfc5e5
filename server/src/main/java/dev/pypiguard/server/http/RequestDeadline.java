package dev.pypiguard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that takes too long to send a request, or sits idle too long between two: a
 * new connection, and the first byte after an idle spell, start the {@code
 * timeouts.request-headers} clock, which only a whole request stops; a trickled request line or
 * header is cut however steadily it trickles. After each response the {@code timeouts.idle} clock
 * runs until the next byte. While a request is served neither runs (upstream timeouts bound that).
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(RequestDeadline.class);

  private enum State {
    WAITING,
    SERVING,
    IDLE
  }

  /**
   * The longest clock, in nanos (about 100 years): a longer {@code timeouts.*} (the config takes up
   * to 999999999w) means "never" without overflowing the nanosecond arithmetic.
   */
  static final long LONGEST = Duration.ofDays(36_500).toNanos();

  private final long headers;
  private final long idle;

  @SuppressWarnings("NullAway.Init") // set in channelActive; arm() runs no clock before it
  private ChannelHandlerContext ctx;

  private State state = State.WAITING;

  /** When the current clock ({@link State#WAITING} or {@link State#IDLE}) runs out, in nanos. */
  private long deadline;

  /**
   * The one check that is scheduled, and when it runs. A new clock does not cancel it (two timer
   * operations per request cost a page hit more than the rest of its bookkeeping, README "Speed"):
   * the check looks at the clock that runs when it fires and schedules itself again for that
   * clock's end. Only a clock that ends before the check is due moves it earlier.
   */
  private @Nullable ScheduledFuture<?> timer;

  private long timerAt;
  private final Runnable check = this::check;

  RequestDeadline(Duration headers, Duration idle) {
    this.headers = nanos(headers);
    this.idle = nanos(idle);
  }

  private static long nanos(Duration d) {
    return d.compareTo(Duration.ofNanos(LONGEST)) > 0 ? LONGEST : d.toNanos();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    arm(State.WAITING, headers);
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf && state == State.IDLE) {
      arm(State.WAITING, headers);
    }
    ctx.fireChannelRead(msg);
  }

  /** A whole request arrived: no deadline while it is served. */
  void requestReceived() {
    state = State.SERVING;
  }

  /** Its response was written and nothing else is pending: the idle clock runs. */
  void idle() {
    arm(State.IDLE, idle);
  }

  private void arm(State next, long after) {
    state = next;
    if (ctx == null) {
      return;
    }
    long now = now();
    deadline = now + after;
    if (timer == null || timerAt - deadline > 0) {
      schedule(now, deadline);
    }
  }

  private void schedule(long now, long at) {
    cancel();
    timerAt = at;
    timer = ctx.executor().schedule(check, Math.max(0, at - now), TimeUnit.NANOSECONDS);
  }

  private void check() {
    timer = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    long now = now();
    if (state == State.SERVING) {
      // no clock runs while a request is served: look again after the shorter of the two
      schedule(now, now + Math.min(headers, idle));
    } else if (now - deadline < 0) {
      schedule(now, deadline);
    } else {
      LOG.debug(
          "closing {}: {}",
          ctx.channel().remoteAddress(),
          state == State.WAITING ? "no whole request within timeouts.request-headers" : "idle");
      ctx.close();
    }
  }

  /** The clock the executor schedules by (so that a test's clock moves both). */
  private long now() {
    return ctx.executor().ticker().nanoTime();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }
}
