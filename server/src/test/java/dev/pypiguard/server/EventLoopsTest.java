package dev.pypiguard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.util.NettyRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The count of event loops the README ("Speed") promises: one per core, or the property's. */
class EventLoopsTest {
  private static final String PROPERTY = "io.netty.eventLoopThreads";
  private final String before = System.getProperty(PROPERTY);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, before);
    }
  }

  @Test
  void oneLoopPerCoreByDefault() {
    System.clearProperty(PROPERTY);
    assertEquals(NettyRuntime.availableProcessors(), ProxyServer.eventLoops());
  }

  @Test
  void thePropertySetsTheCount_butNeverBelowOne() {
    System.setProperty(PROPERTY, "3");
    assertEquals(3, ProxyServer.eventLoops());
    System.setProperty(PROPERTY, "0");
    assertEquals(1, ProxyServer.eventLoops());
  }
}
