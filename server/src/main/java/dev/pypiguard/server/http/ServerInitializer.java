package dev.pypiguard.server.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Assembles a connection's pipeline: [TLS], HTTP codec, aggregation, chunked writes, routing. */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  /** Request line limit: longer targets answer 414. */
  static final int MAX_LINE = 8 * 1024;
  /** Header block limit: larger ones answer 431. */
  static final int MAX_HEADERS = 16 * 1024;

  private final Services services;
  private final Optional<SslContext> tls;

  public ServerInitializer(Services services, Optional<SslContext> tls) {
    this.services = services;
    this.tls = tls;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    tls.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    // Idle keep-alive connections are closed after five minutes; a slow reader is not idle.
    p.addLast("idle", new IdleStateHandler(0, 0, 300, TimeUnit.SECONDS) {
      @Override
      protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx,
          io.netty.handler.timeout.IdleStateEvent evt) {
        ctx.close();
      }
    });
    p.addLast("http", new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192));
    // Requests carry no body worth having: anything larger is refused with 413.
    p.addLast("aggregate", new HttpObjectAggregator(64 * 1024));
    p.addLast("chunked", new ChunkedWriteHandler());
    p.addLast("route", new RequestHandler(services));
  }
}
