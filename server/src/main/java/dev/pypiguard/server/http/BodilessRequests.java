package dev.pypiguard.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.jspecify.annotations.Nullable;

/**
 * Makes a request the decoder found to have no body (its head, then the decoder's own empty last
 * content) one {@link FullHttpRequest} at once, without the aggregator after it, which gives every
 * request a composite buffer to gather a body into (README "Speed": nearly every request is a GET).
 * Everything else goes on to the aggregator as it came: a request that announces a body, one the
 * decoder failed, and one with an {@code Expect} header, which the aggregator answers (100 or 417).
 */
final class BodilessRequests extends ChannelInboundHandlerAdapter {
  /** A request head whose next message tells whether a body follows. */
  private @Nullable HttpRequest held;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    HttpRequest head = held;
    if (head != null) {
      held = null;
      if (msg == LastHttpContent.EMPTY_LAST_CONTENT) {
        ctx.fireChannelRead(whole(head));
        return;
      }
      ctx.fireChannelRead(head);
    }
    if (msg instanceof HttpRequest r
        && !(msg instanceof FullHttpRequest)
        && r.decoderResult().isSuccess()
        && bodiless(r.headers())) {
      held = r;
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Whether the head announces no body, so that the decoder's next message is its empty last
   * content, in the same read: a head that announces one goes on at once, so that the aggregator
   * can refuse a body too large before it comes.
   */
  private static boolean bodiless(HttpHeaders h) {
    return !h.contains(HttpHeaderNames.CONTENT_LENGTH)
        && !h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && !h.contains(HttpHeaderNames.EXPECT);
  }

  private static FullHttpRequest whole(HttpRequest head) {
    return new DefaultFullHttpRequest(
        head.protocolVersion(),
        head.method(),
        head.uri(),
        Unpooled.EMPTY_BUFFER,
        head.headers(),
        EmptyHttpHeaders.INSTANCE,
        false); // the decoder checked the request line
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    held = null; // a head holds no buffer
    super.channelInactive(ctx);
  }
}
