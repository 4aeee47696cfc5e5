package dev.pypiguard.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * Answers pipelined HTTP/1.1 requests in request order (RFC 9112 §9.3.2), each with its own
 * response: a request is passed on to routing only after the response to the one before it was
 * written; those that arrive meanwhile wait here, in a per-connection FIFO. Reads are requested
 * only when nothing is pending, so a client cannot queue more work than one read's worth (reads are
 * at most {@link #MAX_READ} bytes, which hold fewer than {@link #MAX_PENDING} requests; more would
 * close the connection).
 *
 * <p>The idea is reactor-netty's {@code HttpTrafficHandler}, which holds pipelined requests back
 * until the current response is complete; the code is ours.
 */
public final class InOrderResponses extends ChannelInboundHandlerAdapter {
  static final int MAX_PENDING = 512;

  /** The largest read from a client connection, which bounds what one read can queue. */
  public static final int MAX_READ = 8192;

  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private boolean busy;

  @SuppressWarnings("NullAway.Init") // set in handlerAdded, Netty's first call to a handler
  private ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** The connection's request clocks, found once (the pipeline is whole when it is active). */
  private @Nullable RequestDeadline deadline;

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    deadline = ctx.pipeline().get(RequestDeadline.class);
    ctx.channel().config().setAutoRead(false);
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    RequestDeadline deadline = this.deadline;
    if (deadline != null) {
      deadline.requestReceived();
    }
    if (!busy) {
      busy = true;
      ctx.fireChannelRead(request);
      return;
    }
    if (pending.size() >= MAX_PENDING) {
      ReferenceCountUtil.release(request);
      ctx.close();
      return;
    }
    pending.add(request);
  }

  /**
   * The response to the current request was written and the connection stays open (on the event
   * loop): the next pending request goes on, or the next read is requested.
   */
  void responded() {
    FullHttpRequest next = pending.poll();
    if (next != null) {
      ctx.fireChannelRead(next);
      return;
    }
    busy = false;
    RequestDeadline deadline = this.deadline;
    if (deadline != null) {
      deadline.idle();
    }
    ctx.read();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    drop();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    drop();
  }

  private void drop() {
    for (FullHttpRequest r; (r = pending.poll()) != null; ) {
      ReferenceCountUtil.release(r);
    }
  }
}
