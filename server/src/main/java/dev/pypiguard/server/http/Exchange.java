package dev.pypiguard.server.http;

import dev.pypiguard.server.auth.AccessControl;
import dev.pypiguard.server.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request and its response while it is being served: what the access log and metrics need, and
 * the one place that finishes a response (keep-alive or close, then read the next request).
 *
 * <p>Every method may be called from any thread; writes hop to the channel's event loop.
 */
final class Exchange implements AccessControl.Caller {
  /** The Server header of every answer. */
  static final AsciiString SERVER_NAME = AsciiString.cached("pypi-guard");

  /** Headers copied from known-good ones: no per-header validation. */
  private static final DefaultHttpHeadersFactory UNVALIDATED =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  final ChannelHandlerContext ctx;
  final HttpMethod method;
  final String uri;
  final HttpHeaders headers;
  final HttpVersion version;
  final boolean keepAlive;
  private final long startNanos = System.nanoTime();
  private final AtomicInteger active;
  private final ProxyMetrics metrics;
  private final AtomicBoolean finished = new AtomicBoolean();
  volatile boolean forceClose;
  volatile String route = "other";

  /** The authenticated client's name, for the logs; {@code -} when there is none. */
  volatile String user = "-";

  volatile int status;
  volatile long bytes;

  /**
   * Whether the client was handed every byte of a body of known length. The empty last chunk
   * written after it may still fail (a client that closes once it has Content-Length bytes), and
   * that must not be logged as an incomplete download.
   */
  volatile boolean delivered;

  /**
   * @param active requests being served now (counted up here, down when the exchange ends)
   * @param metrics where the request is counted when it ends
   */
  Exchange(
      ChannelHandlerContext ctx, HttpRequest request, AtomicInteger active, ProxyMetrics metrics) {
    this.ctx = ctx;
    this.method = request.method();
    this.uri = request.uri();
    this.headers = request.headers();
    this.version = request.protocolVersion();
    this.keepAlive = HttpUtil.isKeepAlive(request);
    this.active = active;
    this.metrics = metrics;
    active.incrementAndGet();
  }

  boolean head() {
    return method.equals(HttpMethod.HEAD);
  }

  /** Runs on the channel's event loop. */
  void onLoop(Runnable r) {
    if (ctx.executor().inEventLoop()) {
      r.run();
    } else {
      ctx.executor().execute(r);
    }
  }

  /** Sends a complete response and finishes. */
  void send(FullHttpResponse response) {
    onLoop(
        () -> {
          status = response.status().code();
          bytes = head() ? 0 : response.content().readableBytes();
          if (response.status().code() == 304) {
            // RFC 9110 §15.4.5: a 304 has no body, and a Content-Length there would have to be
            // the selected representation's; "0" would be a lie some caches believe.
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            response.content().clear();
          } else {
            HttpUtil.setContentLength(response, response.content().readableBytes());
          }
          if (head()) {
            response.content().clear();
          }
          prepare(response);
          finish(ctx.writeAndFlush(response));
        });
  }

  /**
   * Sends a 200 whose headers are {@code shared} (read-only, with Content-Length and Server) and
   * whose body is {@code body}, and finishes. For GET only.
   */
  void sendShared(HttpHeaders shared, ByteBuf body) {
    onLoop(
        () -> {
          HttpResponse head = sharedHead(shared);
          bytes = body.readableBytes();
          // The head, then the body as the last content: two writes, not a full response, which
          // the codec would encode into two buffers whose promises it must combine.
          ctx.write(head);
          finish(ctx.writeAndFlush(new DefaultLastHttpContent(body, EmptyHttpHeaders.INSTANCE)));
        });
  }

  /**
   * Sends a 200 whose headers are {@code shared} (as {@link #sendShared}) and whose body of {@code
   * length} bytes is a file region (sendfile), and finishes. For GET only.
   */
  void sendRegion(HttpHeaders shared, FileRegion body, long length) {
    onLoop(() -> writeRegion(sharedHead(shared), body, length));
  }

  /**
   * The head of a 200 with {@code shared} headers: those very headers where this connection needs
   * none of its own (HTTP/1.1, kept alive), which spares a page hit a copy of them per request
   * (README "Speed"); else a copy with the connection's headers.
   */
  private HttpResponse sharedHead(HttpHeaders shared) {
    status = 200;
    if (keepAlive && !forceClose && version.isKeepAliveDefault()) {
      return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, shared);
    }
    HttpResponse head =
        new DefaultHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, UNVALIDATED.newHeaders().add(shared));
    prepare(head);
    return head;
  }

  private void writeRegion(HttpResponse head, FileRegion body, long length) {
    bytes = length;
    boolean corked = cork();
    ctx.write(head);
    ctx.write(body)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                delivered = true;
              }
            });
    ChannelFuture last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    if (corked) {
      uncorkWhen(last);
    }
    finish(last);
  }

  /**
   * Holds a response head back until the file region after it is sent, so that both leave in full
   * segments instead of the head as a small packet of its own (TCP_CORK, as nginx's {@code
   * tcp_nopush}; README "Speed"). False where the transport has no cork (then nothing is held).
   * Call {@link #uncorkWhen} with the response's last write.
   */
  boolean cork() {
    if (ctx.channel() instanceof io.netty.channel.epoll.EpollSocketChannel epoll) {
      try {
        epoll.config().setTcpCork(true);
        return true;
      } catch (io.netty.channel.ChannelException e) {
        return false; // the client has gone: the writes fail and finish the exchange as usual
      }
    }
    return false;
  }

  /** Pushes what {@link #cork} held once {@code last} is written (or failed). */
  void uncorkWhen(ChannelFuture last) {
    last.addListener(
        (ChannelFutureListener)
            f -> {
              if (f.channel() instanceof io.netty.channel.epoll.EpollSocketChannel epoll
                  && epoll.isOpen()) {
                try {
                  epoll.config().setTcpCork(false);
                } catch (io.netty.channel.ChannelException e) {
                  // closed meanwhile: nothing is left to push
                }
              }
            });
  }

  /** Sets connection handling headers on a response about to be written. */
  void prepare(HttpResponse response) {
    status = response.status().code();
    response.headers().set(HttpHeaderNames.SERVER, SERVER_NAME);
    if (keepAlive && !forceClose) {
      if (!version.isKeepAliveDefault()) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  /** Ends the exchange when {@code last} completes: log, count, then the next request or close. */
  void finish(ChannelFuture last) {
    last.addListener(
        (ChannelFutureListener)
            f -> {
              if (!finished.compareAndSet(false, true)) {
                return;
              }
              active.decrementAndGet();
              boolean reuse = f.isSuccess() && keepAlive && !forceClose;
              if (!reuse) {
                f.channel().close();
              }
              log(f.isSuccess() || delivered);
              if (reuse) {
                InOrderResponses queue = f.channel().pipeline().get(InOrderResponses.class);
                if (queue != null) {
                  queue.responded();
                } else {
                  f.channel().read();
                }
              }
            });
  }

  /** Ends the exchange by closing the connection mid-response (the body is then incomplete). */
  void abort(String why) {
    onLoop(
        () -> {
          if (finished.compareAndSet(false, true)) {
            active.decrementAndGet();
            if (!delivered) {
              AccessLog.LOG.warn("aborted {} {}: {}", method, AccessLog.clean(uri), why);
            }
            ctx.channel().close();
            log(delivered);
          }
        });
  }

  private void log(boolean ok) {
    long took = System.nanoTime() - startNanos;
    metrics.request(route, status, took);
    metrics.bytesServed(bytes);
    AccessLog.write(this, took / 1_000_000, ok);
  }

  @Override
  public String header(CharSequence name) {
    return headers.get(name);
  }

  /** A loopback client that is not a reverse proxy relaying someone else. */
  @Override
  public boolean loopbackDirect() {
    boolean loopback =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a
            && a.getAddress() != null
            && a.getAddress().isLoopbackAddress();
    return loopback
        && !headers.contains("Forwarded")
        && !headers.contains("X-Forwarded-For")
        && !headers.contains("X-Real-IP");
  }

  /**
   * The method and path, without the query, cut at 200 characters and without control characters.
   */
  @Override
  public String requestLine() {
    int q = uri.indexOf('?');
    String p = q < 0 ? uri : uri.substring(0, q);
    return method
        + " "
        + (p.length() > 200
            ? p.substring(0, 200) + "..."
            : p.replaceAll("[\\x00-\\x1f\\x7f]", "?"));
  }

  @Override
  public String remote() {
    // formatted once per connection: every access log line asks for it (README "Speed")
    var attr = ctx.channel().attr(REMOTE);
    String r = attr.get();
    if (r == null) {
      r =
          ctx.channel().remoteAddress() instanceof InetSocketAddress a
              ? a.getAddress().getHostAddress()
              : String.valueOf(ctx.channel().remoteAddress());
      attr.set(r);
    }
    return r;
  }

  private static final AttributeKey<String> REMOTE = AttributeKey.valueOf(Exchange.class, "remote");

  static FullHttpResponse text(HttpResponseStatus status, String body) {
    var r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(
                body.endsWith("\n") ? body : body + "\n", StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  /** A response whose reason phrase carries the message too, as pip shows the phrase. */
  static FullHttpResponse withPhrase(int code, String phrase, String body) {
    String clean = phrase.replaceAll("[\\r\\n\\x00-\\x1f]", " ");
    if (clean.length() > 400) {
      clean = clean.substring(0, 400) + "...";
    }
    return text(new HttpResponseStatus(code, clean), body);
  }
}
