package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Requests through the decoder, {@link BodilessRequests} and the aggregator, as a connection's
 * pipeline has them: each comes out whole, with its body when it has one, in the order sent, and
 * what only the aggregator answers (an {@code Expect} header, a body too large) it still answers.
 */
class BodilessRequestsTest {
  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(
        new HttpServerCodec(), new BodilessRequests(), new HttpObjectAggregator(16));
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void pipelinedRequests_withAndWithoutBodies_comeOutWhole_inOrder() {
    var ch = channel();
    ch.writeInbound(
        ascii(
            "GET /simple/a/ HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /simple/c/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n"
                + "HEAD /simple/d/ HTTP/1.0\r\n\r\n"));
    String[] uris = {"/simple/a/", "/b", "/simple/c/", "/simple/d/"};
    String[] bodies = {"", "hello", "abc", ""};
    for (int i = 0; i < uris.length; i++) {
      FullHttpRequest r = ch.readInbound();
      assertThat(r).as("request %d", i).isNotNull();
      assertThat(r.uri()).isEqualTo(uris[i]);
      assertThat(r.content().toString(StandardCharsets.US_ASCII)).isEqualTo(bodies[i]);
      assertThat(r.decoderResult().isSuccess()).isTrue();
      r.release();
    }
    assertThat(ch.<Object>readInbound()).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void aBodilessRequest_keepsItsHeaders_andHasNoBody() {
    var ch = channel();
    ch.writeInbound(ascii("GET /simple/a/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n"));
    FullHttpRequest r = ch.readInbound();
    assertThat(r.headers().get("Accept")).isEqualTo("text/html");
    assertThat(r.headers().get("Host")).isEqualTo("x");
    assertThat(r.content().readableBytes()).isZero();
    assertThat(r.trailingHeaders().isEmpty()).isTrue();
    r.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void expectAndTooLargeBodies_areStillTheAggregatorsToAnswer() {
    var ch = channel();
    ch.writeInbound(ascii("GET /a HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n"));
    ByteBuf out = ch.readOutbound();
    assertThat(out.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 417");
    out.release();
    var ch2 = channel();
    ch2.writeInbound(ascii("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
    ByteBuf tooLarge = ch2.readOutbound();
    assertThat(tooLarge.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 413");
    tooLarge.release();
    assertThat(ch2.<Object>readInbound()).isNull();
    // not finished: the aggregator would report the bodies it never got
    ch.releaseInbound();
    ch2.releaseInbound();
  }
}
