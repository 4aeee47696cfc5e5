package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.cache.Downloads;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.rule.KnownFiles;
import dev.pypiguard.server.admin.AdminRoutes;
import dev.pypiguard.server.admin.Operations;
import dev.pypiguard.server.auth.AccessControl;
import dev.pypiguard.server.config.Limits;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.metrics.ProxyMetrics;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.InspectionStore;
import dev.pypiguard.server.policy.StoredMetadata;
import dev.pypiguard.server.policy.VerdictStore;
import dev.pypiguard.server.storage.SharedStorage;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

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

  private final Optional<SslContext> tls;
  private final ConnectionLimits limits;
  private final Limits requestLimits;
  private final RequestHandler handler;

  /**
   * Wires the request handler every connection shares (it keeps no per-connection state) from the
   * server's parts, each handed over by name.
   *
   * @param config the running configuration
   * @param pages one page cache per upstream, in the configured order (for the admin API)
   * @param store the artifact store
   * @param downloads the downloads in flight
   * @param judge the current judge (it changes when the policy is reloaded)
   * @param metrics metrics
   * @param blocking the executor for disk I/O, hashing, parsing and rendering
   * @param rendered the judged and rendered pages
   * @param audit the log of blocking decisions served
   * @param active requests being served now, for graceful shutdown
   * @param advisories the OSV data, when --advisories names any
   * @param record the {@code serve --record} file, when given
   * @param verdicts the provenance verdicts the attestation rules read
   * @param router which upstream serves which project
   * @param ops access tokens, upstream health, recent blocks and reloads (the admin API's)
   * @param storage the object store shared with other replicas, when configured
   * @param metadata the stored core metadata the {@code metadata} rule reads
   * @param known the known files weak-hash pins are recorded in
   * @param inspections the artifact inspections and reviews the inspection rules read
   * @param tls the TLS context, when clients reach us over TLS
   * @param limits the connection limits
   */
  public ServerInitializer(
      ServerConfig config,
      List<PageCache> pages,
      FileSystemBlobStore store,
      Downloads downloads,
      Supplier<PageJudge> judge,
      ProxyMetrics metrics,
      ExecutorService blocking,
      RenderedPages rendered,
      AuditLog audit,
      AtomicInteger active,
      Optional<AdvisoryFeed> advisories,
      Optional<FetchRecord> record,
      VerdictStore verdicts,
      UpstreamRouter router,
      Operations ops,
      SharedStorage storage,
      StoredMetadata metadata,
      KnownFiles known,
      InspectionStore inspections,
      Optional<SslContext> tls,
      ConnectionLimits limits) {
    var admin =
        new AdminReplies(
            new AdminRoutes(
                config,
                pages,
                store,
                storage,
                ops,
                metrics.registry(),
                judge,
                advisories,
                inspections,
                blocking,
                rendered::purge,
                audit::admin));
    var access =
        new AccessControl(ops::tokens, config.host(), config.baseUrl(), metrics.registry());
    boolean overTls = config.tls().isPresent();
    this.handler =
        new RequestHandler(
            config,
            overTls,
            judge,
            router,
            rendered,
            store,
            downloads,
            metrics,
            blocking,
            audit,
            active,
            advisories,
            record,
            verdicts,
            ops,
            storage,
            metadata,
            new WeakHashPins(known),
            inspections,
            admin,
            access,
            new FileSender(store, blocking, overTls));
    this.tls = tls;
    this.limits = limits;
    this.requestLimits = config.limits();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (!limits.admit(ch)) {
      return;
    }
    ChannelPipeline p = ch.pipeline();
    tls.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    var l = requestLimits;
    p.addLast("deadline", new RequestDeadline(l.requestHeaders(), l.idle()));
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
    // Requests carry no body worth having: anything larger is refused with 413. A request without
    // one is whole at once, and the aggregator never sees it.
    p.addLast("bodiless", new BodilessRequests());
    p.addLast("aggregate", new HttpObjectAggregator(64 * 1024));
    p.addLast("in-order", new InOrderResponses());
    p.addLast("chunked", new ChunkedWriteHandler());
    p.addLast("route", handler());
  }

  /** The request handler every connection shares. */
  RequestHandler handler() {
    return handler;
  }
}
