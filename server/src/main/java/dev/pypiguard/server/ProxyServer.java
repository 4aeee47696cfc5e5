package dev.pypiguard.server;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.IntegrityException;
import dev.pypiguard.core.cache.Download;
import dev.pypiguard.core.cache.Downloads;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import dev.pypiguard.server.admin.Operations;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.http.AccessLog;
import dev.pypiguard.server.http.AuditLog;
import dev.pypiguard.server.http.FetchRecord;
import dev.pypiguard.server.http.RenderedPages;
import dev.pypiguard.server.http.ServerInitializer;
import dev.pypiguard.server.metrics.ProxyMetrics;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.Defences;
import dev.pypiguard.server.policy.LivePolicy;
import dev.pypiguard.server.policy.VerdictStore;
import dev.pypiguard.server.storage.SharedStorage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.NettyRuntime;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running pypi-guard: the Netty server and everything behind it. */
public final class ProxyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

  private final ServerConfig config;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService blocking;
  private final UpstreamClient client;

  /** Clients of upstreams with timeouts of their own. */
  private final List<UpstreamClient> ownClients = new ArrayList<>();

  private final Channel serverChannel;
  private final FileSystemBlobStore store;
  private final Downloads downloads;
  private final AuditLog audit;
  private final Optional<FetchRecord> record;

  /** Requests being served now, for graceful shutdown. */
  private final AtomicInteger active = new AtomicInteger();

  private final ServerInitializer initializer;
  private final LivePolicy policy;
  private final Optional<AdvisoryFeed> advisories;
  private final VerdictStore verdicts;
  private final dev.pypiguard.server.policy.InspectionStore inspections;
  private final Operations ops;
  private final SharedStorage storage;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  static {
    EgressSettings.allowBasicForTunnels();
  }

  private ProxyServer(ServerConfig config) throws IOException {
    this.config = config;
    try {
      Files.createDirectories(config.cacheDir());
    } catch (IOException e) {
      throw new ConfigException(
          "cache-dir: " + config.cacheDir() + " cannot be created: " + e.getMessage());
    }
    if (!Files.isWritable(config.cacheDir())) {
      throw new ConfigException("cache-dir: " + config.cacheDir() + " is not writable");
    }
    var metrics = new ProxyMetrics();
    this.storage = SharedStorage.open(config.storage(), metrics.registry());
    this.advisories =
        AdvisoryFeed.open(
            dev.pypiguard.server.policy.DefaultAdvisorySources.resolve(
                config.advisories(), config.cacheDir(), config.upstreams(), config.offline()),
            config.advisoriesRefresh(),
            EgressSettings.network(config.egress()));
    this.verdicts = new VerdictStore(config.cacheDir(), 4, storage.store(), storage.publishers());
    verdicts.onVerified(
        v ->
            metrics.attestation(
                v instanceof dev.pypiguard.policy.attestation.Verification.Verified
                    ? "verified"
                    : v instanceof dev.pypiguard.policy.attestation.Verification.Failed
                        ? "failed"
                        : "unverified"));
    var storedMetadata = new dev.pypiguard.server.policy.StoredMetadata();
    this.inspections =
        new dev.pypiguard.server.policy.InspectionStore(
            config.cacheDir(), storage.store(), metrics.registry(), Clock.systemUTC());
    this.policy =
        new LivePolicy(
            config.policyFile(),
            storage.firstSeen(config.cacheDir()),
            storage.knownFiles(config.cacheDir()),
            Clock.systemUTC(),
            metrics.registry(),
            new dev.pypiguard.server.policy.JudgeRules(
                advisories, Optional.of(verdicts), storedMetadata, Optional.of(inspections)));
    for (String name : Defences.NAMES) {
      for (Defences.State state : Defences.State.values()) {
        // One series per defence and state, 1 for the state it is in (an OpenMetrics state set).
        io.micrometer.core.instrument.Gauge.builder(
                "pypiguard.defence",
                () ->
                    Defences.of(policy.policy(), advisories).stream()
                            .anyMatch(d -> d.name().equals(name) && d.state() == state)
                        ? 1
                        : 0)
            .description("1 for the state (on, off, broken) each defence is in")
            .tag("defence", name)
            .tag("state", state.spelling())
            .register(metrics.registry());
      }
    }
    advisories.ifPresent(
        a -> {
          metrics.gauge(
              "pypiguard.advisories.records",
              "OSV records loaded",
              () -> a.sources().database().size());
          metrics.gauge(
              "pypiguard.advisories.online.reachable",
              "1 when the OSV API answered last time",
              () -> a.onlineReachable() ? 1 : 0);
        });
    try {
      this.ops = new Operations(config, policy, metrics.registry(), Clock.systemUTC());
    } catch (ConfigException e) {
      policy.close();
      advisories.ifPresent(AdvisoryFeed::close);
      verdicts.close();
      inspections.close();
      throw e;
    }
    this.blocking =
        boundedPool("pypi-guard-io", Math.max(8, Runtime.getRuntime().availableProcessors() * 4));
    this.client =
        clientFor(config, new Upstream.Timeouts(config.connectTimeout(), config.readTimeout()));
    this.store =
        new FileSystemBlobStore(config.cacheDir().resolve("blobs"), config.maxCacheBytes());
    storedMetadata.use(store);
    blocking.execute(store::scanForEviction);
    var generated = new dev.pypiguard.server.http.GeneratedMetadata(config.cacheDir());
    // The metadata rule reads generated metadata too (README §Fail closed).
    storedMetadata.useGenerated(generated::sha256Of);
    generated.onChange(storedMetadata::generatedChanged);
    if (inspections.active()) {
      // Files cached before inspection was on are inspected in the background, never on a hit.
      inspections.inspectCached(store);
    }
    this.downloads =
        new Downloads(
            store,
            d -> {
              watch(d, metrics);
              d.result().thenRun(() -> ops.storeAdded(d.written()));
              if (d.filename().endsWith(".metadata")) {
                // Noticed once verified, before it is kept: the rule reads it from its download.
                d.whole().thenRun(() -> storedMetadata.noticed(d.key().hex()));
              }
              // README "Core metadata for every wheel": metadata read by ranges is checked against
              // the
              // wheel once the wheel itself is stored (verified).
              d.result()
                  .thenAcceptAsync(
                      p -> generated.verify(store, d.key(), d.filename(), p), blocking);
            },
            storage.blobs(),
            config.offline(),
            config.limits().fileSize());
    storedMetadata.useVerified(downloads::openVerified);
    var settings = new PageCache.Settings(config.pageTtl(), config.staleAfter(), config.offline());
    List<PageCache> pages = new ArrayList<>();
    for (Upstream u : config.upstreams()) {
      // An upstream with timeouts of its own gets a client of its own (the JDK client's connect
      // timeout is per client); the others share one.
      UpstreamClient via = u.timeouts().isEmpty() ? client : clientFor(config, u.timeouts().get());
      if (via != client) {
        ownClients.add(via);
      }
      pages.add(
          new PageCache(
              u,
              via,
              config.cacheDir(),
              settings,
              blocking,
              Clock.systemUTC(),
              ops.health().listener(u.name(), metrics.forUpstream(u.name())),
              storage.store()));
    }
    var rendered =
        new RenderedPages(
            store::find,
            generated,
            java.time.Clock.systemUTC(),
            // Large rendered pages go out by sendfile from unlinked files; over TLS every byte
            // is encrypted in memory anyway, so they stay there (README "Speed").
            config.tls().isPresent() ? null : store.tmp());
    this.audit =
        new AuditLog(config.cacheDir().resolve("audit.log"), blocking, metrics, ops.blocks());
    this.record = config.recordFile().map(f -> new FetchRecord(f, blocking));
    var router = new dev.pypiguard.server.http.UpstreamRouter(pages, config.pageTtl(), blocking);
    metrics.gauge(
        "pypiguard.downloads.in.flight", "Upstream downloads running now", downloads::count);

    IoHandlerFactory io =
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.boss = new MultiThreadIoEventLoopGroup(1, io);
    this.workers = new MultiThreadIoEventLoopGroup(eventLoops(), io);
    Optional<io.netty.handler.ssl.SslContext> ssl = sslContext(config);
    try {
      this.initializer =
          new ServerInitializer(
              config,
              pages,
              store,
              downloads,
              policy::current,
              metrics,
              blocking,
              rendered,
              audit,
              active,
              advisories,
              record,
              verdicts,
              router,
              ops,
              storage,
              storedMetadata,
              policy.knownFiles(),
              inspections,
              ssl,
              new dev.pypiguard.server.http.ConnectionLimits(
                  config.limits().connections(), config.limits().connectionsPerClient()));
      this.serverChannel =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              // Requests are small: small reads bound what one read can queue (InOrderResponses).
              .childOption(
                  ChannelOption.RECVBUF_ALLOCATOR,
                  new io.netty.channel.AdaptiveRecvByteBufAllocator(
                      64, 1024, dev.pypiguard.server.http.InOrderResponses.MAX_READ))
              .handler(new dev.pypiguard.server.http.AcceptFailures())
              .childHandler(initializer)
              .bind(config.host(), config.port())
              .sync()
              .channel();
    } catch (Exception e) {
      shutdownExecutors();
      Throwable t = e;
      if (t instanceof BindException
          || t.getCause() instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        throw new ConfigException(
            "listen: cannot listen on "
                + config.host()
                + ":"
                + config.port()
                + ": the address is in use or not available");
      }
      throw new ConfigException(
          "listen: cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + t.getMessage());
    }
  }

  /** An upstream client with the egress settings and the given timeouts. */
  private static UpstreamClient clientFor(ServerConfig config, Upstream.Timeouts t) {
    return new UpstreamClient(
        EgressSettings.settings(config.egress(), t, "pypi-guard/" + BuildInfo.current())
            .withMaxPageBytes(config.limits().pageSize()));
  }

  /**
   * One event loop per core, as nginx's {@code worker_processes auto}: the loops never block, so
   * more of them than cores only adds context switches (Netty's default is two per core). {@code
   * -Dio.netty.eventLoopThreads} still sets the count (README "Speed").
   */
  static int eventLoops() {
    return Math.max(
        1, Integer.getInteger("io.netty.eventLoopThreads", NettyRuntime.availableProcessors()));
  }

  /**
   * The server TLS context of {@code tls: {cert, key}}; a bad certificate or key is a
   * ConfigException.
   */
  private static Optional<io.netty.handler.ssl.SslContext> sslContext(ServerConfig config) {
    if (config.tls().isEmpty()) {
      return Optional.empty();
    }
    var t = config.tls().get();
    try {
      return Optional.of(
          io.netty.handler.ssl.SslContextBuilder.forServer(
                  PemFiles.privateKey(t.key()), PemFiles.certificates(t.cert()))
              .applicationProtocolConfig(io.netty.handler.ssl.ApplicationProtocolConfig.DISABLED)
              .build());
    } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException(
          "tls: cannot use " + t.cert() + " and " + t.key() + ": " + e.getMessage());
    }
  }

  /**
   * Logs the end of each upstream download and counts integrity failures (the request handler times
   * it, by upstream: {@link ProxyMetrics#watchDownload}).
   */
  private static void watch(Download d, ProxyMetrics metrics) {
    d.result()
        .whenComplete(
            (p, e) -> {
              if (e == null) {
                return;
              }
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                      ? e.getCause()
                      : e;
              if (cause instanceof IntegrityException) {
                metrics.integrityFailure("file");
                LOG.error("refused {} from the upstream: {}", d.filename(), cause.getMessage());
              } else {
                LOG.warn("download of {} failed: {}", d.filename(), cause.getMessage());
              }
            });
  }

  /**
   * Starts a server; the address it listens on is logged as {@code listening on http://HOST:PORT}.
   */
  public static ProxyServer start(ServerConfig config) throws IOException {
    var server = new ProxyServer(config);
    server.policy.watch(2_000);
    server.ops.watch(2_000);
    LOG.info("listening on {}", server.uri());
    for (Upstream u : config.upstreams()) {
      LOG.info(
          "upstream {} {}{}{}",
          u.name(),
          u.simpleUrl(),
          u.projects().isEmpty() ? "" : ", owns " + u.projects(),
          config.offline() ? " (offline: never contacted)" : "");
    }
    if (config.egress().proxy().isPresent()) {
      LOG.info("egress through {}", config.egress());
    }
    LOG.info("cache {}", config.cacheDir());
    server.logDefences();
    return server;
  }

  /**
   * The defences in force, one line each (README "What the first command protects against"): on and
   * off at INFO, with what turns an off one on; one that cannot work at ERROR.
   */
  private void logDefences() {
    LOG.info(
        "policy: {}",
        policy
            .file()
            .map(Path::toString)
            .orElse(
                dev.pypiguard.policy.config.BuiltInPolicy.NAME
                    + " (pypi-guard policy --print-default)"));
    for (Defences.Defence d : defences()) {
      if (d.state() == Defences.State.BROKEN) {
        LOG.error("defence {}", d);
      } else {
        LOG.info("defence {}", d);
      }
    }
  }

  /** The defences of the policy in force with the advisory data now. */
  public List<Defences.Defence> defences() {
    return Defences.of(policy.policy(), advisories);
  }

  private static ExecutorService boundedPool(String name, int threads) {
    var n = new AtomicInteger();
    var pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(100_000),
            r -> {
              Thread t = new Thread(r, name + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** {@code http://HOST:PORT}, without a trailing slash. */
  public URI uri() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create(
        (config.tls().isPresent() ? "https://" : "http://") + host + ":" + a.getPort());
  }

  public ServerConfig config() {
    return config;
  }

  /** The artifact store. */
  public FileSystemBlobStore store() {
    return store;
  }

  /** The upstream downloads in flight. */
  public Downloads downloads() {
    return downloads;
  }

  /** The OSV data, when --advisories names any. */
  public Optional<AdvisoryFeed> advisories() {
    return advisories;
  }

  /** What every connection's pipeline is built by (for tests that drive its handler). */
  public ServerInitializer initializer() {
    return initializer;
  }

  /** The policy in force, reloaded when its file changes. */
  public LivePolicy policy() {
    return policy;
  }

  /** The pool of blocking work, for tests that prove a path never waits for it. */
  ExecutorService blockingPool() {
    return blocking;
  }

  /** Blocks until the server channel closes. */
  public void awaitClose() throws InterruptedException {
    serverChannel.closeFuture().sync();
  }

  /** Stops accepting, lets responses in progress finish (up to 10 s), then stops. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    serverChannel.close().syncUninterruptibly();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // Exchanges in flight, then downloads: a small file goes out before it is forced and renamed
    // into the cache (README "Speed"), so one just sent may still be on its way to the disk.
    while ((active.get() > 0 || downloads.count() > 0) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    workers.shutdownGracefully(200, 10_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 1_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    shutdownExecutors();
  }

  private void shutdownExecutors() {
    policy.close();
    ops.close();
    advisories.ifPresent(AdvisoryFeed::close);
    verdicts.close();
    inspections.close();
    record.ifPresent(FetchRecord::close);
    audit.close();
    blocking.shutdown();
    client.close();
    ownClients.forEach(UpstreamClient::close);
    storage.close();
    AccessLog.flush();
  }
}
