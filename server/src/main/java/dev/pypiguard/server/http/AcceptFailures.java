package dev.pypiguard.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the listening channel: a failure to accept (typically "Too many open files") pauses accepting
 * for a second and is logged once, as one line, however long it lasts; the next accepted connection
 * logs how many failures there were. Netty would log each one with a stack trace, once a second for
 * as long as the condition holds.
 */
public final class AcceptFailures extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(AcceptFailures.class);
  private long failures;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failures > 0) {
      LOG.info("accepting connections again after {} failed attempts", failures);
      failures = 0;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (failures++ == 0) {
      LOG.warn(
          "cannot accept connections: {} (retrying every second; logged once)", cause.toString());
    }
    var config = ctx.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
      ctx.executor().schedule(() -> config.setAutoRead(true), 1, TimeUnit.SECONDS);
    }
  }
}
