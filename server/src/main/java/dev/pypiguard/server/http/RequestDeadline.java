package dev.pypiguard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
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
 * runs until the next byte. While a request is served neither runs (upstream timeouts bound that),
 * but its answer must make progress: when for {@link #STALL} nothing was written, and nothing
 * written before went out (a client that reads nothing, or a request that waits for nothing), the
 * connection is closed (README "Hostile upstreams and clients", "Connections"). A slow reader is
 * not stalled: every byte that leaves the socket, of a file sent whole by {@code sendfile} too,
 * counts.
 */
final class RequestDeadline extends ChannelDuplexHandler {
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

  /** How long an answer may make no progress at all before its connection is closed. */
  static final long STALL = Duration.ofMinutes(5).toNanos();

  /** The longest a served request goes unchecked for a stall. */
  private static final long STALL_CHECK = Duration.ofMinutes(1).toNanos();

  private final long headers;
  private final long idle;

  /**
   * Progress of the answer while a request is served, seen by the last check: writes passed on
   * (counted here, with no listener per write), the bytes still waiting to go out, and how far the
   * one going out has gone (a file region's {@code sendfile} progress).
   */
  private long writes;

  private long seenWrites;
  private long seenPending;
  private long seenProgress;

  /** When the check last saw the answer move; {@link #fresh} until the first check of a request. */
  private long movedAt;

  private boolean fresh;

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

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    writes++;
    ctx.write(msg, promise);
  }

  /** A whole request arrived: no deadline while it is served, only the stall check. */
  void requestReceived() {
    state = State.SERVING;
    fresh = true;
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

  /**
   * Schedules the check at {@code at}, or sooner: a check is never more than {@link #STALL_CHECK}
   * away, so that a request received meanwhile is checked for a stall however long the clocks are.
   */
  private void schedule(long now, long at) {
    cancel();
    if (at - now > STALL_CHECK) {
      at = now + STALL_CHECK;
    }
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
      if (stalled(now)) {
        LOG.debug(
            "closing {}: its answer made no progress in {} s",
            ctx.channel().remoteAddress(),
            STALL / 1_000_000_000L);
        ctx.close();
        return;
      }
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

  /** Whether the answer being served has not moved for {@link #STALL}; notes it when it moved. */
  private boolean stalled(long now) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    long pending = out == null ? 0 : out.totalPendingWriteBytes();
    long progress = out == null ? 0 : out.currentProgress();
    if (fresh || writes != seenWrites || pending != seenPending || progress != seenProgress) {
      fresh = false;
      seenWrites = writes;
      seenPending = pending;
      seenProgress = progress;
      movedAt = now;
      return false;
    }
    return now - movedAt >= STALL;
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
