package dev.pypiguard.server.http;

import dev.pypiguard.server.auth.AccessControl;
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

/**
 * Assembles a connection's pipeline: [TLS], request deadlines, HTTP codec, aggregation, the
 * in-order queue of pipelined requests, chunked writes, routing; a connection over the limits is
 * closed before any of it.
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  /** Request line limit: longer targets answer 414. */
  static final int MAX_LINE = 8 * 1024;

  /** Header block limit: larger ones answer 431. */
  static final int MAX_HEADERS = 16 * 1024;

  private final Services services;
  private final Optional<SslContext> tls;
  private final ConnectionLimits limits;
  private final AdminReplies admin;
  private final AccessControl access;
  private final FileSender files;

  public ServerInitializer(Services services, Optional<SslContext> tls, ConnectionLimits limits) {
    this.services = services;
    // Shared by every connection, each part handed over by name.
    this.admin = AdminReplies.of(services);
    this.access =
        new AccessControl(
            services.ops()::tokens,
            services.config().host(),
            services.config().baseUrl(),
            services.metrics().registry());
    this.files = new FileSender(services.store(), services.blocking(), services.tls());
    this.tls = tls;
    this.limits = limits;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (!limits.admit(ch)) {
      return;
    }
    ChannelPipeline p = ch.pipeline();
    tls.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    var l = services.config().limits();
    p.addLast("deadline", new RequestDeadline(l.requestHeaders(), l.idle()));
    // A backstop while a response is being written: a client that reads nothing for five
    // minutes is gone (a slow reader is not idle).
    p.addLast(
        "idle",
        new IdleStateHandler(0, 0, 300, TimeUnit.SECONDS) {
          @Override
          protected void channelIdle(
              io.netty.channel.ChannelHandlerContext ctx,
              io.netty.handler.timeout.IdleStateEvent evt) {
            ctx.close();
          }
        });
    // Netty's codec keeps its own count of requests awaiting a response: room for all that
    // InOrderResponses may hold.
    p.addLast(
        "http",
        new HttpServerCodec(
            new io.netty.handler.codec.http.HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE)
                .setMaxHeaderSize(MAX_HEADERS)
                .setMaxChunkSize(8192),
            InOrderResponses.MAX_PENDING + 2));
    // Requests carry no body worth having: anything larger is refused with 413.
    p.addLast("aggregate", new HttpObjectAggregator(64 * 1024));
    p.addLast("in-order", new InOrderResponses());
    p.addLast("chunked", new ChunkedWriteHandler());
    p.addLast("route", handler());
  }

  /** A connection's request handler (one per connection; what it uses is shared). */
  RequestHandler handler() {
    return new RequestHandler(services, admin, access, files);
  }
}
