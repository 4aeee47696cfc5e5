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

  private final Duration headers;
  private final Duration idle;

  @SuppressWarnings("NullAway.Init") // set in handlerAdded, Netty's first call to a handler
  private ChannelHandlerContext ctx;

  private State state = State.WAITING;
  private @Nullable ScheduledFuture<?> timer;

  RequestDeadline(Duration headers, Duration idle) {
    this.headers = headers;
    this.idle = idle;
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
    cancel();
    state = State.SERVING;
  }

  /** Its response was written and nothing else is pending: the idle clock runs. */
  void idle() {
    arm(State.IDLE, idle);
  }

  private void arm(State next, Duration after) {
    cancel();
    state = next;
    if (ctx == null) {
      return;
    }
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  if (state == next && ctx.channel().isActive()) {
                    LOG.debug(
                        "closing {}: {}",
                        ctx.channel().remoteAddress(),
                        next == State.WAITING
                            ? "no whole request within timeouts.request-headers"
                            : "idle");
                    ctx.close();
                  }
                },
                after.toNanos(),
                TimeUnit.NANOSECONDS);
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
