package dev.pypiguard.server.config;

import java.time.Duration;

/**
 * The bounds that keep one hostile peer from costing the others: how long a client may take to send
 * a request and may sit idle, how many connections may be open (in all and from one address), and
 * how many bytes a file or a page may take (README, "Hostile upstreams and clients").
 *
 * @param requestHeaders time from a connection's or a request's first byte to its last header
 *     ({@code timeouts.request-headers}); a trickled request is cut
 * @param idle how long a connection may wait between requests ({@code timeouts.idle})
 * @param connections connections open at once from all clients ({@code limits.connections}); capped
 *     below the process's file-descriptor limit at start
 * @param connectionsPerClient connections open at once from one address ({@code
 *     limits.connections-per-client})
 * @param fileSize the most bytes a download takes when its page declares no size ({@code
 *     limits.file-size}); a declared size is the limit otherwise
 * @param pageSize the most bytes an index page may have once decompressed ({@code
 *     limits.page-size})
 */
public record Limits(
    Duration requestHeaders,
    Duration idle,
    int connections,
    int connectionsPerClient,
    long fileSize,
    long pageSize) {
  public static final Limits DEFAULTS =
      new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 4096, 256, 4L << 30, 64L << 20);

  public Limits withConnections(int all, int perClient) {
    return new Limits(requestHeaders, idle, all, perClient, fileSize, pageSize);
  }

  public Limits withDeadlines(Duration headers, Duration newIdle) {
    return new Limits(headers, newIdle, connections, connectionsPerClient, fileSize, pageSize);
  }

  public Limits withSizes(long file, long page) {
    return new Limits(requestHeaders, idle, connections, connectionsPerClient, file, page);
  }
}
