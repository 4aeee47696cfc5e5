package dev.pypiguard.server.http;

import io.netty.channel.Channel;
import java.lang.management.ManagementFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many connections may be open at once: in all (below the process's file-descriptor limit,
 * which upstream connections and cache files share), and from one client, so that one address
 * holding thousands of half-open connections cannot lock the others (and the load balancer's {@code
 * /healthz}) out. IPv6 clients count by their /64, which one host usually has whole.
 */
public final class ConnectionLimits {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
  private static final long LOG_EVERY_NANOS = 60_000_000_000L;

  private final int total;
  private final int perClient;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<Client, AtomicInteger> byClient = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  private record Client(byte[] prefix) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Client c && Arrays.equals(prefix, c.prefix);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(prefix);
    }

    static Client of(InetAddress a) {
      byte[] b = a.getAddress();
      return new Client(a instanceof Inet6Address ? Arrays.copyOf(b, 8) : b);
    }
  }

  /** {@code configuredTotal} is capped below the file-descriptor limit (see {@link #cap}). */
  public ConnectionLimits(int configuredTotal, int perClient) {
    this.total = cap(configuredTotal, fileDescriptorLimit());
    this.perClient = perClient;
    if (total < configuredTotal) {
      LOG.info(
          "limits.connections: {} is more than the file-descriptor limit allows; using {}",
          configuredTotal,
          total);
    }
  }

  /**
   * Half the descriptors for client connections, less a reserve: each client request may also hold
   * an upstream connection and a cache file open.
   */
  static int cap(int configured, long fdLimit) {
    if (fdLimit <= 0) {
      return configured;
    }
    long room = Math.max(16, fdLimit / 2 - 64);
    return (int) Math.min(configured, room);
  }

  static long fileDescriptorLimit() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.UnixOperatingSystemMXBean u
        ? u.getMaxFileDescriptorCount()
        : -1;
  }

  public int total() {
    return total;
  }

  public int open() {
    return open.get();
  }

  /** Connections refused so far. */
  public long refused() {
    return refused.get();
  }

  /**
   * Counts a new connection, or closes it when a limit is reached; the count drops when it closes.
   * False when it was refused.
   */
  boolean admit(Channel ch) {
    if (!(ch.remoteAddress() instanceof InetSocketAddress remote) || remote.getAddress() == null) {
      return true;
    }
    Client client = Client.of(remote.getAddress());
    if (open.incrementAndGet() > total) {
      open.decrementAndGet();
      refuse(ch, "the server has " + total + " connections open (limits.connections)");
      return false;
    }
    AtomicInteger mine = byClient.computeIfAbsent(client, k -> new AtomicInteger());
    if (mine.incrementAndGet() > perClient) {
      release(client, mine);
      refuse(
          ch,
          remote.getAddress().getHostAddress()
              + " has "
              + perClient
              + " connections open (limits.connections-per-client)");
      return false;
    }
    ch.closeFuture().addListener(f -> release(client, mine));
    return true;
  }

  private void release(Client client, AtomicInteger mine) {
    open.decrementAndGet();
    if (mine.decrementAndGet() <= 0) {
      byClient.remove(client, mine);
      // A connection counted between the read and the removal keeps its own counter alive.
      if (mine.get() > 0) {
        byClient.merge(client, mine, (a, b) -> a);
      }
    }
  }

  /** Refused connections are closed at once; the log says so at most once a minute. */
  private void refuse(Channel ch, String why) {
    long n = refused.incrementAndGet();
    ch.close();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      LOG.warn("refusing connections: {} ({} refused so far)", why, n);
    }
  }
}
