package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AcceptFailuresTest {
  /**
   * Issue 14: accept failures pause accepting for a second and do not reach Netty's tail logger.
   */
  @Test
  void failures_pauseAccepting_areConsumed_andAcceptingResumes() throws Exception {
    var ch = new EmbeddedChannel(new AcceptFailures());
    ch.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
    ch.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
    ch.checkException(); // consumed: nothing reaches the tail
    assertThat(ch.config().isAutoRead()).isFalse();
    ch.advanceTimeBy(1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.config().isAutoRead()).isTrue();
    ch.writeInbound("a connection");
    assertThat((String) ch.readInbound()).isEqualTo("a connection");
    ch.finishAndReleaseAll();
  }
}
