package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.Download;
import dev.pypiguard.core.cache.Downloads;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.server.admin.Operations;
import dev.pypiguard.server.auth.AccessControl;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.metrics.ProxyMetrics;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.InspectionStore;
import dev.pypiguard.server.policy.StoredMetadata;
import dev.pypiguard.server.policy.VerdictStore;
import dev.pypiguard.server.storage.SharedStorage;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves requests: the simple API, files and their metadata and provenance, health and metrics.
 * {@link Router} reads the route, {@link AccessControl} admits it, a handler per route returns its
 * {@link Reply} as a future, {@link ReplyWriter} writes it and {@link Failures} answers what went
 * wrong.
 *
 * <p>One instance serves every connection: it keeps no state between requests, only the shared
 * collaborators it was built with ({@link ServerInitializer}). On a connection it sees one request
 * at a time: {@link InOrderResponses}, before it in the pipeline, holds pipelined requests back
 * until the response to the one before is written, so responses leave in request order, each with
 * its own request.
 */
@io.netty.channel.ChannelHandler.Sharable
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9.\\-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?");

  /** How long a page waits for its files' provenance verdicts before being judged without. */
  static final java.time.Duration PROVENANCE_WAIT = java.time.Duration.ofSeconds(5);

  /** How long a page waits for the OSV API's answers before its unanswered releases are held. */
  static final java.time.Duration ADVISORY_WAIT = java.time.Duration.ofSeconds(3);

  /** Seconds a client is told to wait before asking again for a held file. */
  static final int HELD_RETRY_AFTER_SECONDS = 5;

  static final String FILE_CACHE_CONTROL = "public, max-age=31536000, immutable";
  static final String PAGE_CACHE_CONTROL = "max-age=0, must-revalidate";

  private final ServerConfig config;
  private final boolean tls;
  private final Supplier<PageJudge> currentJudge;
  private final UpstreamRouter router;
  private final RenderedPages renderedPages;
  private final FileSystemBlobStore store;
  private final Downloads downloads;
  private final ProxyMetrics metrics;
  private final ExecutorService blocking;
  private final AuditLog audit;
  private final AtomicInteger active;
  private final Optional<AdvisoryFeed> advisoryFeed;
  private final Optional<FetchRecord> record;
  private final VerdictStore verdicts;
  private final Operations ops;
  private final SharedStorage storage;
  private final StoredMetadata metadata;
  private final WeakHashPins weakHashes;
  private final InspectionStore inspections;
  private final AdminReplies admin;
  private final AccessControl access;
  private final FileSender files;
  private final Explain explain;

  /**
   * One handler for every connection: it keeps no state of its own between requests.
   *
   * @param config the running configuration
   * @param tls whether clients reach us over TLS
   * @param currentJudge the current judge (it changes when the policy is reloaded)
   * @param router which upstream serves which project
   * @param renderedPages the judged and rendered pages
   * @param store the artifact store
   * @param downloads the downloads in flight
   * @param metrics metrics
   * @param blocking the executor for disk I/O, hashing, parsing and rendering
   * @param audit the log of blocking decisions served
   * @param active requests being served now, for graceful shutdown
   * @param advisoryFeed the OSV data, when --advisories names any
   * @param record the {@code serve --record} file, when given
   * @param verdicts the provenance verdicts the attestation rules read
   * @param ops upstream health, recent blocks and the policy in force
   * @param storage the object store shared with other replicas, when configured
   * @param metadata the stored core metadata the {@code metadata} rule reads
   * @param weakHashes verification and pinning of files with only a weak hash
   * @param inspections the artifact inspections and reviews the inspection rules read
   * @param admin the admin API
   * @param access who may use which route
   * @param files writes stored and downloading files
   */
  RequestHandler(
      ServerConfig config,
      boolean tls,
      Supplier<PageJudge> currentJudge,
      UpstreamRouter router,
      RenderedPages renderedPages,
      FileSystemBlobStore store,
      Downloads downloads,
      ProxyMetrics metrics,
      ExecutorService blocking,
      AuditLog audit,
      AtomicInteger active,
      Optional<AdvisoryFeed> advisoryFeed,
      Optional<FetchRecord> record,
      VerdictStore verdicts,
      Operations ops,
      SharedStorage storage,
      StoredMetadata metadata,
      WeakHashPins weakHashes,
      InspectionStore inspections,
      AdminReplies admin,
      AccessControl access,
      FileSender files) {
    this.config = config;
    this.tls = tls;
    this.currentJudge = currentJudge;
    this.router = router;
    this.renderedPages = renderedPages;
    this.store = store;
    this.downloads = downloads;
    this.metrics = metrics;
    this.blocking = blocking;
    this.audit = audit;
    this.active = active;
    this.advisoryFeed = advisoryFeed;
    this.record = record;
    this.verdicts = verdicts;
    this.ops = ops;
    this.storage = storage;
    this.metadata = metadata;
    this.weakHashes = weakHashes;
    this.inspections = inspections;
    this.admin = admin;
    this.access = access;
    this.files = files;
    this.explain = new Explain(this::answered, currentJudge, inspections, blocking);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    var ex = new Exchange(ctx, request, active, metrics);
    if (request.decoderResult().isFailure()) {
      Throwable cause = request.decoderResult().cause();
      HttpResponseStatus status =
          cause instanceof TooLongHttpLineException
              ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              : cause instanceof TooLongHttpHeaderException
                  ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                  : cause instanceof TooLongFrameException
                      ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                      : HttpResponseStatus.BAD_REQUEST;
      ex.route = "bad-request";
      ex.forceClose = true;
      ReplyWriter.write(ex, files, Reply.text(status, status.reasonPhrase()));
      return;
    }
    route(ex);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Connection resets and the like: nothing to answer.
    LOG.debug("connection error: {}", cause.toString());
    ctx.close();
  }

  private void route(Exchange ex) {
    Route route;
    try {
      route = Router.parse(ex.method, ex.uri);
    } catch (RuntimeException e) {
      ReplyWriter.write(ex, files, Failures.unexpected(ex, e));
      return;
    }
    ex.route = route.label();
    AccessControl.Access decision = access.decide(route.role(), ex);
    if (decision instanceof AccessControl.Refused refused) {
      ex.user = refused.user();
      ReplyWriter.write(ex, files, refusal(ex, refused));
      return;
    }
    ex.user = ((AccessControl.Admitted) decision).user();
    try {
      if (route instanceof Route.Project p && pageHit(ex, p)) {
        return; // answered here, on the event loop (README "Speed")
      }
    } catch (RuntimeException e) {
      // Whatever the hit path trips on is a failure of this request, answered like any other.
      ReplyWriter.write(ex, files, Failures.unexpected(ex, e));
      return;
    }
    if (route.offLoop()) {
      // Routes that name a project match policy and upstream globs against it: off the loop.
      try {
        blocking.execute(() -> answer(ex, route));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        ReplyWriter.write(ex, files, Failures.unexpected(ex, e));
      }
    } else {
      answer(ex, route);
    }
  }

  /**
   * A cached page hit, answered on the event loop with no hop to the blocking pool (issue 15): the
   * project is not denied, its one serving upstream holds a fresh page in memory, and a rendering
   * of that page under today's judgement is cached. Anything else (a denied project, a page to
   * fetch or read from disk, a stale page, a rendering to make, a conditional request) answers
   * false and takes the ordinary path off the loop, which decides it as before.
   */
  private boolean pageHit(Exchange ex, Route.Project p) {
    Optional<SimpleFormat> format = negotiate(ex, p.format());
    if (format.isEmpty()) {
      return false;
    }
    PageJudge judge = currentJudge.get();
    if (judge.projectBlocked(p.name()).isPresent()) {
      return false;
    }
    Optional<UpstreamRouter.Resolved> fresh = router.inMemory(p.name());
    if (fresh.isEmpty()
        || !renderedPages.replies.answer(
            ex,
            renderedPages,
            audit,
            blocking,
            this,
            CompletableFuture.completedFuture(fresh.get()),
            judge,
            format.get(),
            base(ex),
            p.name())) {
      return false;
    }
    fresh.get().pages().servedFromMemory();
    return true;
  }

  /** A refusal of access control: 401 with the challenge, or 403. */
  private static Reply refusal(Exchange ex, AccessControl.Refused refused) {
    if (refused.status() == 401) {
      ex.route = "unauthorized";
      var r = Exchange.text(HttpResponseStatus.UNAUTHORIZED, refused.why());
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, AccessControl.CHALLENGE);
      return new Reply.Complete(r);
    }
    ex.route = "forbidden";
    return Reply.text(HttpResponseStatus.valueOf(refused.status()), refused.why());
  }

  /**
   * Serves an admitted route and writes its reply; a handler that throws at once is a failure too.
   */
  private void answer(Exchange ex, Route route) {
    CompletableFuture<Reply> reply;
    try {
      reply = serve(ex, route);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    ReplyWriter.write(ex, files, reply);
  }

  /** Serves an admitted route. */
  private CompletableFuture<Reply> serve(Exchange ex, Route route) {
    if (route instanceof Route.Home) {
      return admin.home(ex, base(ex));
    } else if (route instanceof Route.Health) {
      return health().now();
    } else if (route instanceof Route.Metrics) {
      return CompletableFuture.supplyAsync(
          () -> {
            var r =
                new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(metrics.scrape(), StandardCharsets.UTF_8));
            r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            return new Reply.Complete(r);
          },
          blocking);
    } else if (route instanceof Route.Index i) {
      Optional<SimpleFormat> f = negotiate(ex, i.format());
      return f.isEmpty() ? notAcceptable().now() : index(ex, f.get());
    } else if (route instanceof Route.Project p) {
      Optional<SimpleFormat> f = negotiate(ex, p.format());
      return f.isEmpty() ? notAcceptable().now() : project(ex, p.name(), f.get());
    } else if (route instanceof Route.File f) {
      return file(ex, f);
    } else if (route instanceof Route.Metadata m) {
      return withFile(
          ex,
          m.project(),
          m.filename(),
          (pages, decision, page) -> metadata(ex, pages, decision.file()));
    } else if (route instanceof Route.Provenance p) {
      return integrity(ex, p);
    } else if (route instanceof Route.LegacyJson j) {
      return legacyJson(ex, j.project(), j.version());
    } else if (route instanceof Route.Explain e) {
      return explain.reply(e.name());
    } else if (route instanceof Route.Admin a) {
      return admin.serve(ex, a.action(), base(ex));
    } else if (route instanceof Route.Redirect r) {
      return Reply.redirect(r.location()).now();
    } else if (route instanceof Route.NotFound n) {
      return Reply.notFound(n.why()).now();
    } else if (route instanceof Route.MethodNotAllowed m) {
      var r = Exchange.text(HttpResponseStatus.METHOD_NOT_ALLOWED, m.why());
      r.headers().set(HttpHeaderNames.ALLOW, m.allow());
      return new Reply.Complete(r).now();
    } else if (route instanceof Route.BadRequest b) {
      return Reply.text(HttpResponseStatus.BAD_REQUEST, b.why()).now();
    }
    throw new IllegalStateException("unrouted: " + route);
  }

  private Reply health() {
    // The first line is the verdict; the lines after it say how the advisory sources are.
    // An advisory source that does not answer holds releases: degraded (README §Fail closed),
    // still 200 so that load balancers keep the replicas that serve what they can.
    boolean degraded = advisoryFeed.map(a -> !a.onlineReachable()).orElse(false);
    var lines = new java.util.ArrayList<String>(List.of(degraded ? "degraded" : "ok"));
    advisoryFeed.ifPresent(a -> lines.addAll(a.health()));
    // Each defence on, off or BROKEN (issue 18): a defence that cannot work shows here.
    dev.pypiguard.server.policy.Defences.of(ops.policy().policy(), advisoryFeed)
        .forEach(d -> lines.add("defence " + d));
    lines.addAll(storage.health());
    audit.health().ifPresent(lines::add);
    return Reply.text(HttpResponseStatus.OK, String.join("\n", lines));
  }

  // ---- the simple API -------------------------------------------------------------------

  private Optional<SimpleFormat> negotiate(Exchange ex, Optional<String> formatParam) {
    Optional<SimpleFormat> f =
        renderedPages.replies.negotiate( // memoized (issue 15)
            ex.headers.get(HttpHeaderNames.ACCEPT), formatParam);
    return f;
  }

  private static Reply notAcceptable() {
    var r =
        Exchange.text(
            HttpResponseStatus.NOT_ACCEPTABLE,
            "none of the requested types is available; this index serves "
                + SimpleFormat.JSON_V1.mediaType()
                + ", "
                + SimpleFormat.HTML_V1.mediaType()
                + " and "
                + SimpleFormat.HTML_LEGACY.mediaType());
    r.headers().set(HttpHeaderNames.VARY, "Accept");
    return new Reply.Complete(r);
  }

  private CompletableFuture<Reply> index(Exchange ex, SimpleFormat format) {
    return router
        .index()
        .thenApplyAsync(
            lookup -> {
              if (lookup instanceof PageLookup.Found<ProjectIndex> found) {
                CachedPage<ProjectIndex> page = found.page();
                PageJudge judge = currentJudge.get();
                var rendered =
                    renderedPages.index(
                        router.indexKey(),
                        page.version(),
                        judge.version(),
                        format,
                        () -> visible(page.value(), judge),
                        judge::nextChange);
                return page(ex, rendered, format, found.stale());
              }
              return Failures.lookup(lookup);
            },
            blocking);
  }

  /** The project list without the projects the policy hides. */
  private static ProjectIndex visible(ProjectIndex index, PageJudge judge) {
    var names = new java.util.ArrayList<String>(index.projects().size());
    for (String n : index.projects()) {
      Optional<ProjectName> name = ProjectName.parse(n);
      if (name.isPresent() && judge.projectBlocked(name.get()).isEmpty()) {
        names.add(n);
      }
    }
    return new ProjectIndex(index.apiVersion(), index.meta(), names, index.extra());
  }

  /** A project's page from the one upstream that serves it (see {@link UpstreamRouter}). */
  CompletableFuture<UpstreamRouter.Resolved> resolve(ProjectName name) {
    return router.resolve(name);
  }

  private CompletableFuture<Reply> project(Exchange ex, ProjectName name, SimpleFormat format) {
    PageJudge judge = currentJudge.get();
    Optional<dev.pypiguard.policy.Reason> hidden = judge.projectBlocked(name);
    if (hidden.isPresent()) {
      // README "Policy": denied projects "do not exist".
      return Reply.notFound(name + " is blocked by policy: " + hidden.get()).now();
    }
    CompletableFuture<UpstreamRouter.Resolved> resolved = resolve(name);
    // ---- issue 15: a cached page hit is answered here, on the event loop (PageReplies) ----
    if (renderedPages.replies.answer(
        ex, renderedPages, audit, blocking, this, resolved, judge, format, base(ex), name)) {
      return Reply.WRITTEN_NOW;
    }
    // ---- end of the fast-path hook ----
    return answered(resolved, name)
        .thenApplyAsync(
            r -> {
              if (r.lookup() instanceof PageLookup.Found<ProjectPage> found) {
                CachedPage<ProjectPage> page = found.page();
                String upstream = r.pages().upstream().name();
                PageJudge now = currentJudge.get();
                var rendered =
                    renderedPages.project(
                        upstream,
                        name.value(),
                        page.version(),
                        now.version(),
                        format,
                        base(ex),
                        now.blockedFiles(),
                        () -> now.judge(upstream, page.value()));
                audit(
                    ex,
                    "page",
                    name,
                    java.util.Objects.requireNonNull(rendered.judged()).files(),
                    now.version());
                if (!found.stale()) {
                  // Ready for the event loop's next hit: its bodies may go to files, off the loop.
                  renderedPages.replies.reply(rendered, format);
                }
                return page(ex, rendered, format, found.stale());
              }
              return Failures.lookup(r.lookup());
            },
            blocking);
  }

  /**
   * The judged page behind a file or legacy-JSON answer: the same rendering the index shows (cached
   * under the same key), so a file and its page get one decision.
   */
  private @Nullable JudgedPage judgedPage(
      ProjectName name,
      String upstream,
      PageLookup.Found<ProjectPage> found,
      PageJudge judge,
      String base) {
    ProjectPage page = found.page().value();
    return renderedPages
        .project(
            upstream,
            name.value(),
            found.page().version(),
            judge.version(),
            SimpleFormat.JSON_V1,
            base,
            judge.blockedFiles(),
            () -> judge.judge(upstream, page))
        .judged();
  }

  /**
   * A file's decision: its page's, when a rendering of the page under this judgement is cached;
   * else the file judged alone (README "Speed"). Each new core metadata file or stored download is
   * a new judgement or rendering, and a cold file's request must not pay for judging, rendering and
   * compressing its whole page again for the one decision it needs.
   */
  private FileDecision fileDecision(
      ProjectName name,
      String upstream,
      PageLookup.Found<ProjectPage> found,
      PageJudge judge,
      String base,
      String filename) {
    String version = judge.version();
    for (SimpleFormat format : SimpleFormat.values()) {
      Optional<RenderedPages.Rendered> r =
          renderedPages.cached(
              upstream, name.value(), found.page().version(), version, format, base);
      JudgedPage judged = r.map(RenderedPages.Rendered::judged).orElse(null);
      if (judged != null) {
        return judged.file(filename).orElseThrow();
      }
    }
    return judge.judgeFile(upstream, found.page().value(), filename).orElseThrow();
  }

  /** The project's page once what its judgement waits for is in (or has timed out). */
  CompletableFuture<UpstreamRouter.Resolved> answered(ProjectName name) {
    return answered(resolve(name), name);
  }

  private CompletableFuture<UpstreamRouter.Resolved> answered(
      CompletableFuture<UpstreamRouter.Resolved> resolved, ProjectName name) {
    return resolved.thenComposeAsync(r -> awaitAnswers(name, r).thenApply(done -> r), blocking);
  }

  /**
   * What a judgement of the resolved page waits for, composed, never parked on (issue 13): the OSV
   * API's answers (3 s), provenance verdicts and weak-hash pins (5 s each). Completes normally in
   * every case; what is still missing then is held by the rules.
   */
  CompletableFuture<Void> awaitAnswers(ProjectName name, UpstreamRouter.Resolved r) {
    if (!(r.lookup() instanceof PageLookup.Found<ProjectPage> found)) {
      return CompletableFuture.completedFuture(null);
    }
    return awaitAnswers(r.pages(), name, found.page().value());
  }

  /** As above, for the files of {@code page} (a project page, or some of its files). */
  private CompletableFuture<Void> awaitAnswers(
      PageCache pages, ProjectName name, ProjectPage page) {
    CompletableFuture<Void> advisories =
        advisoryFeed
            .map(a -> a.prefetchAsync(name, AdvisoryFeed.versionsToAsk(page), ADVISORY_WAIT))
            .orElse(CompletableFuture.completedFuture(null));
    return CompletableFuture.allOf(
        advisories,
        ProvenanceReplies.prefetch(
            config.cacheDir(), config.offline(), blocking, verdicts, pages, page, PROVENANCE_WAIT),
        weakHashes.prefetch(
            currentJudge.get(), store, config.offline(), blocking, pages, page, PROVENANCE_WAIT));
  }

  private static Reply page(
      Exchange ex, RenderedPages.Rendered page, SimpleFormat format, boolean stale) {
    String inm = ex.headers.get(HttpHeaderNames.IF_NONE_MATCH);
    boolean gzip = acceptsGzip(ex.headers.get(HttpHeaderNames.ACCEPT_ENCODING));
    // RFC 9110 §8.8.3: a strong ETag names one representation; the gzip body is another one.
    String etag = gzip ? page.gzipEtag() : page.etag();
    FullHttpResponse r;
    if (inm != null && FileSender.etagMatches(inm, etag)) {
      r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
    } else {
      byte[] body = gzip ? page.gzip() : page.body();
      r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      r.headers()
          .set(
              HttpHeaderNames.CONTENT_TYPE,
              format.mediaType() + (format.isJson() ? "" : "; charset=utf-8"));
      if (gzip) {
        r.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
      }
    }
    r.headers().set(HttpHeaderNames.ETAG, etag);
    r.headers().set(HttpHeaderNames.VARY, "Accept, Accept-Encoding");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, PAGE_CACHE_CONTROL);
    if (stale) {
      r.headers().set(HttpHeaderNames.WARNING, "110 pypi-guard \"Response is Stale\"");
    }
    return new Reply.Complete(r);
  }

  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] p = part.trim().split(";", -1);
      if (p[0].trim().equals("gzip") || p[0].trim().equals("*")) {
        for (int i = 1; i < p.length; i++) {
          String param = p[i].trim().replace(" ", "");
          if (param.equals("q=0") || param.matches("q=0\\.0*")) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  /**
   * The external URL of this proxy: {@code --base-url}; or, from a {@code trusted-proxies} peer,
   * the scheme and host its {@code Forwarded} or {@code X-Forwarded-Proto}/{@code -Host} headers
   * give (README "Behind a load balancer"); or the scheme and Host of the request.
   */
  private String base(Exchange ex) {
    if (config.baseUrl().isPresent()) {
      return config.baseUrl().get().toString();
    }
    String scheme = tls ? "https" : "http";
    String host = ex.headers.get(HttpHeaderNames.HOST);
    if (ex.ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress peer
        && peer.getAddress() != null
        && config.trustedProxies().trusts(peer.getAddress())) {
      Forwarding f = Forwarding.of(ex.headers);
      scheme = f.proto().orElse(scheme);
      host = f.host().orElse(host);
    } else if (host != null) {
      // The usual case, asked by every page hit: the base of a Host value is remembered.
      String known = bases.get(host);
      if (known != null) {
        return known;
      }
      String made = base(ex, scheme, host);
      if (HOST.matcher(host).matches() && bases.size() < BASES_LIMIT) {
        bases.put(host, made);
      }
      return made;
    }
    return base(ex, scheme, host);
  }

  /** Distinct Host values whose base is remembered; clients send a handful. */
  private static final int BASES_LIMIT = 256;

  private final java.util.concurrent.ConcurrentHashMap<String, String> bases =
      new java.util.concurrent.ConcurrentHashMap<>();

  private String base(Exchange ex, String scheme, @Nullable String host) {
    if (host == null || !HOST.matcher(host).matches()) {
      // A forged Host must not end up in links (and in the rendered-page cache).
      var local = (java.net.InetSocketAddress) ex.ctx.channel().localAddress();
      host =
          (local.getAddress() instanceof java.net.Inet6Address
                  ? "[" + local.getAddress().getHostAddress() + "]"
                  : local.getAddress().getHostAddress())
              + ":"
              + local.getPort();
    }
    return scheme + "://" + host.toLowerCase(Locale.ROOT);
  }

  // ---- files ----------------------------------------------------------------------------

  /** {@code /files/<project>/<filename>}. */
  private CompletableFuture<Reply> file(Exchange ex, Route.File route) {
    ProjectName name = route.project();
    String artifact = route.filename();
    return withFile(
        ex,
        name,
        artifact,
        (pages, decision, page) -> {
          if (!ex.head()) {
            record.ifPresent(
                r ->
                    decision
                        .file()
                        .sha256()
                        .ifPresent(sha -> r.record(name.value(), decision.version(), sha)));
          }
          return artifact(
              ex, pages, decision.file(), () -> rejudge(ex, name, pages, page, artifact));
        });
  }

  /** What is served for an allowed file. */
  interface FileAction {
    CompletableFuture<Reply> run(PageCache pages, FileDecision decision, ProjectPage page);
  }

  /**
   * The decision on a file judged again now, after its inspection: a cold file's findings are known
   * only once it is stored (README "Artifact inspection"). Audited like the first one.
   */
  private Optional<Decision.Block> rejudge(
      Exchange ex, ProjectName name, PageCache pages, ProjectPage page, String filename) {
    PageJudge judge = currentJudge.get();
    FileDecision d = judge.judgeFile(pages.upstream().name(), page, filename).orElseThrow();
    if (d.decision() instanceof Decision.Block block) {
      audit(ex, "file", name, List.of(d), judge.version());
      return Optional.of(block);
    }
    return Optional.empty();
  }

  /**
   * Finds a file on its project's page, judges it, and runs {@code action} when it is allowed. When
   * {@code action} sends the file or its metadata, the file's core metadata is read first, so that
   * the {@code metadata} rule has judged what pip would install (README §Fail closed).
   */
  private CompletableFuture<Reply> withFile(
      Exchange ex, ProjectName name, String filename, FileAction action) {
    return withFile(ex, name, filename, true, action);
  }

  private CompletableFuture<Reply> withFile(
      Exchange ex, ProjectName name, String filename, boolean sendsFile, FileAction action) {
    return onPool(
        resolve(name),
        r -> {
          if (!(r.lookup() instanceof PageLookup.Found<ProjectPage> found)) {
            return Failures.lookup(r.lookup()).now();
          }
          ProjectPage page = found.page().value();
          List<FileEntry> entries = page.filesNamed(filename);
          if (entries.isEmpty()) {
            return Reply.notFound(filename + " is not a file of " + name).now();
          }
          // What the judgement of this one file waits for: its own advisories, provenance and
          // weak-hash pin, not those of every file on the page (README "Speed").
          return onPool(
              awaitAnswers(r.pages(), name, page.withFiles(entries)),
              done ->
                  judgeFile(
                      ex, name, filename, r, found, action, sendsFile ? null : MetadataRead.TRIED));
        });
  }

  /**
   * {@code then} of what {@code f} completes with, run now on this thread when {@code f} is done
   * already (the caller is a pool thread), else on the pool once it is: a look-up that is ready, as
   * a cached page and its answers mostly are, costs no hop to another thread.
   */
  private <T> CompletableFuture<Reply> onPool(
      CompletableFuture<T> f, java.util.function.Function<T, CompletableFuture<Reply>> then) {
    if (f.isDone() && !f.isCompletedExceptionally()) {
      try {
        return then.apply(f.join());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return f.thenComposeAsync(then, blocking);
  }

  /**
   * Judges the file and answers. An allowed file whose core metadata is not read yet has it read
   * first and is judged again with it, so that the {@code metadata} rule has seen what pip would
   * install; metadata that cannot be read holds the file (README §Fail closed); a file blocked
   * anyway costs nothing. {@code read} is what reading it came to, null before it is tried.
   */
  private CompletableFuture<Reply> judgeFile(
      Exchange ex,
      ProjectName name,
      String filename,
      UpstreamRouter.Resolved r,
      PageLookup.Found<ProjectPage> found,
      FileAction action,
      @Nullable MetadataRead read) {
    ProjectPage page = found.page().value();
    PageJudge judge = currentJudge.get();
    String upstream = r.pages().upstream().name();
    FileDecision decision = fileDecision(name, upstream, found, judge, base(ex), filename);
    // A HEAD sends no byte: it does not make the proxy read a metadata-less wheel's METADATA
    // (which may mean downloading the wheel), and is judged with what is known. A file held only
    // because its metadata could not be read tries again.
    if (read == null
        && (decision.decision().allowed() || onlyUnreadableMetadata(decision.decision()))
        && metadataMissing(decision.file())
        && !(ex.head() && GeneratedMetadata.applies(decision.file()))) {
      return metadataKnown(r.pages(), name, decision.file())
          .thenComposeAsync(got -> judgeFile(ex, name, filename, r, found, action, got), blocking);
    }
    audit(ex, "file", name, List.of(decision), judge.version());
    if (read != null
        && read.unfetched().isPresent()
        && onlyUnreadableMetadata(decision.decision())) {
      // Held for metadata the upstream failed to give: answered as that failure (502, 504; 404
      // offline), which says why, rather than as a hold.
      return read.unfetched().get().get().now();
    }
    if (decision.decision() instanceof Decision.Block block) {
      return Failures.download(
              block.held()
                  ? new DownloadOutcome.Held(block.summary())
                  : new DownloadOutcome.Blocked(BlockNotice.text(block, base(ex), name.value())))
          .now();
    }
    return action.run(r.pages(), decision, page);
  }

  /**
   * What reading a file's core metadata before its download came to: read, or found wanting (the
   * {@code metadata} rule then holds the file), or {@code unfetched}, the answer of the fetch that
   * failed (the upstream failed or timed out, or the proxy is offline without it).
   */
  private record MetadataRead(Optional<java.util.function.Supplier<Reply>> unfetched) {
    static final MetadataRead TRIED = new MetadataRead(Optional.empty());

    static MetadataRead unfetched(java.util.function.Supplier<Reply> answer) {
      return new MetadataRead(Optional.of(answer));
    }
  }

  /** Whether the one thing that blocks {@code d} is core metadata not read at the last attempt. */
  private static boolean onlyUnreadableMetadata(Decision d) {
    return d instanceof Decision.Block b
        && b.reasons().stream()
            .allMatch(
                x -> x.pending() && x.rule().equals(dev.pypiguard.policy.rule.MetadataRule.NAME));
  }

  /**
   * Whether the file advertises core metadata with a sha256 that is neither stored nor verified in
   * its running download (yet), or is a wheel whose metadata the proxy generates (README "Core
   * metadata for every wheel") and has not generated or no longer stores.
   */
  private boolean metadataMissing(FileEntry file) {
    if (GeneratedMetadata.applies(file)) {
      Optional<String> generated = renderedPages.metadata().sha256Of(file.sha256().orElseThrow());
      return generated.flatMap(Sha256::parse).flatMap(store::find).isEmpty();
    }
    Optional<Sha256> sha = advertisedMetadata(file);
    if (sha.isEmpty()) {
      return false;
    }
    if (store.find(sha.get()).isPresent()
        || downloads.running(sha.get()).filter(Download::verified).isPresent()) {
      metadata.noticed(sha.get().hex());
      return false;
    }
    return true;
  }

  private static Optional<Sha256> advertisedMetadata(FileEntry file) {
    return file.metadataSha256().flatMap(Sha256::parse);
  }

  /**
   * Reads the file's core metadata: its advertised metadata (in the store, or verified in its
   * download, fetched now if needed), else for a wheel its own METADATA (the stored wheel, ranges
   * or the whole wheel; for advertised metadata it must have the advertised sha256). What cannot be
   * read is noted ({@link StoredMetadata#unreadable}), and the {@code metadata} rule holds the
   * file. Offline, a file that is not stored is not noted: it is not served either.
   */
  private CompletableFuture<MetadataRead> metadataKnown(
      PageCache pages, ProjectName name, FileEntry file) {
    if (GeneratedMetadata.applies(file)) {
      // The whole wheel, once stored so, is inspected before it is judged again: it must not
      // pass for a cached hit, which is served before its inspection (README "Artifact
      // inspection").
      return ownMetadata(pages, name, file, Optional.empty(), file.sha256().orElseThrow(), null)
          .thenCompose(got -> inspectedIfStored(file).thenApply(done -> got));
    }
    Sha256 sha = advertisedMetadata(file).orElseThrow();
    String key = sha.hex();
    boolean wheel =
        file.digest().isPresent() && file.filename().toLowerCase(Locale.ROOT).endsWith(".whl");
    if (config.offline() && storage.store().isEmpty()) {
      if (file.digest().flatMap(store::find).isEmpty()) {
        return CompletableFuture.completedFuture(MetadataRead.TRIED);
      }
      String offline = file.filename() + ".metadata is not in the cache, and the proxy is offline";
      if (!wheel) {
        metadata.unreadable(key, "core metadata could not be read: " + offline);
        return CompletableFuture.completedFuture(
            MetadataRead.unfetched(() -> Reply.notFound(offline)));
      }
      return ownMetadata(pages, name, file, Optional.of(sha), key, Failure.of(404, offline));
    }
    URI metaUrl;
    try {
      metaUrl = URI.create(file.url() + ".metadata");
    } catch (IllegalArgumentException e) {
      metadata.unreadable(key, "the upstream gave an invalid URL for its core metadata");
      return CompletableFuture.completedFuture(MetadataRead.TRIED);
    }
    Download d = fetchMetadata(pages, sha, file, metaUrl);
    // Verified is enough: the metadata rule reads it from its download until it is kept.
    return d.whole()
        .handle((whole, failed) -> failed)
        .thenCompose(
            failed -> {
              if (failed == null) {
                metadata.noticed(sha.hex());
                metadata.readable(key);
                return CompletableFuture.completedFuture(MetadataRead.TRIED);
              }
              var outcome = DownloadOutcome.failed(file.filename() + ".metadata", failed);
              var why =
                  new Failure(
                      String.valueOf(Failures.unwrap(failed).getMessage()),
                      outcome instanceof DownloadOutcome.IntegrityFailure
                          ? null
                          : () -> Failures.download(outcome));
              if (wheel) {
                return ownMetadata(pages, name, file, Optional.of(sha), key, why);
              }
              metadata.unreadable(key, "core metadata could not be read: " + why.why());
              return CompletableFuture.completedFuture(why.read());
            });
  }

  /**
   * Why advertised core metadata could not be read: {@code answer}, when the upstream failed to
   * give it (rather than gave wrong bytes), is how a download then answers.
   */
  private record Failure(String why, java.util.function.@Nullable Supplier<Reply> answer) {
    static Failure of(int status, String why) {
      return new Failure(why, () -> Failures.status(status, why));
    }

    MetadataRead read() {
      return answer == null ? MetadataRead.TRIED : MetadataRead.unfetched(answer);
    }
  }

  /**
   * Reads a wheel's own METADATA (README "Core metadata for every wheel"), which must have the
   * sha256 {@code expected} when the page advertised one, and notes whether it could be read;
   * {@code key} is that of {@link StoredMetadata#unreadable}, {@code before} why the advertised one
   * could not be read, if it was tried.
   */
  private CompletableFuture<MetadataRead> ownMetadata(
      PageCache pages,
      ProjectName name,
      FileEntry file,
      Optional<Sha256> expected,
      String key,
      @Nullable Failure before) {
    String prefix =
        "core metadata could not be read: " + (before == null ? "" : before.why() + "; ");
    return renderedPages
        .metadata()
        .obtain(store, downloads, config.offline(), blocking, pages, name.value(), file)
        .handle(
            (got, e) -> {
              if (e != null || got.body().isEmpty()) {
                String why =
                    e != null ? String.valueOf(Failures.unwrap(e).getMessage()) : got.why();
                metadata.unreadable(key, prefix + why);
                if (e != null || got.unavailable()) {
                  // The upstream failed to give it: answered as the first failure.
                  return before != null
                      ? before.read()
                      : MetadataRead.unfetched(
                          () -> Failures.status(e != null ? 502 : got.status(), prefix + why));
                }
                return MetadataRead.TRIED;
              }
              Sha256 own = Sha256.of(got.body().get());
              if (expected.isPresent() && !expected.get().equals(own)) {
                metadata.unreadable(
                    key,
                    prefix
                        + "the page advertised sha256 "
                        + expected.get().hex()
                        + ", the wheel's own METADATA has sha256 "
                        + own.hex());
                return MetadataRead.TRIED;
              }
              expected.ifPresent(x -> metadata.noticed(x.hex()));
              metadata.readable(key);
              return MetadataRead.TRIED;
            });
  }

  /** Completes when the stored file (if stored, and inspection is on) has been inspected. */
  private CompletableFuture<Void> inspectedIfStored(FileEntry file) {
    Optional<Sha256> sha = file.digest();
    Optional<java.nio.file.Path> stored = sha.flatMap(store::find);
    if (stored.isEmpty()
        || !inspections.active()
        || inspections.inspection(sha.get()).isPresent()) {
      return CompletableFuture.completedFuture(null);
    }
    return inspections
        .ensure(sha.get(), stored.get(), Optional.of(file.filename()))
        .handle((i, e) -> null);
  }

  private void audit(
      Exchange ex, String via, ProjectName name, List<FileDecision> files, String version) {
    var relevant = files.stream().filter(f -> !f.decision().reasons().isEmpty()).toList();
    audit.record(ex.remote(), ex.user, via, name.value(), relevant, version);
  }

  private CompletableFuture<Reply> artifact(
      Exchange ex,
      PageCache pages,
      FileEntry file,
      java.util.function.Supplier<Optional<Decision.Block>> recheck) {
    return artifact(ex, pages, file, recheck, false);
  }

  private CompletableFuture<Reply> artifact(
      Exchange ex,
      PageCache pages,
      FileEntry file,
      java.util.function.Supplier<Optional<Decision.Block>> recheck,
      boolean again) {
    Sha256 sha = file.digest().orElse(null);
    if (sha == null) {
      return Failures.upstream(502, "the upstream gave no valid sha256 for " + file.filename())
          .now();
    }
    var meta = new FileSender.Meta(sha.hex(), contentType(file.filename()), FILE_CACHE_CONTROL);
    Optional<java.nio.file.Path> stored = store.find(sha);
    boolean inspect = inspections.active();
    if (stored.isPresent()) {
      metrics.artifact("file", "hit");
      if (inspect && inspections.inspection(sha).isEmpty()) {
        // Cached before inspection was on: inspected in the background, the hit is not delayed.
        inspections.ensure(sha, stored.get(), Optional.of(file.filename()));
      }
      return new Reply.StoredFile(stored.get(), meta).now();
    }
    if (config.offline() && storage.store().isEmpty()) {
      metrics.artifact("file", "miss");
      return Reply.notFound(file.filename() + " is not in the cache, and the proxy is offline")
          .now();
    }
    if (ex.head()) {
      // Headers only: no reason to download now.
      var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, meta.contentType());
      r.headers().set(HttpHeaderNames.ETAG, meta.etag());
      r.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
      // Without a declared size the length is unknown until the file is fetched: say nothing
      // rather than a false Content-Length: 0 (RFC 9110 §8.6 lets HEAD omit it).
      file.size().ifPresent(n -> r.headers().set(HttpHeaderNames.CONTENT_LENGTH, n));
      return new Reply.HeadersOnly(r).now();
    }
    metrics.artifact("file", "miss");
    URI url;
    try {
      url = URI.create(file.url());
    } catch (IllegalArgumentException e) {
      return Failures.upstream(502, "the upstream gave an invalid URL for " + file.filename())
          .now();
    }
    Download d =
        downloads.fetch(
            sha,
            file.filename(),
            url,
            file.size(),
            pages.upstream().allowedHosts(),
            pages.upstream().decorateFor(url),
            pages.client(),
            started -> watchDownload(pages, started));
    boolean ranged = ex.headers.contains(HttpHeaderNames.RANGE);
    // With inspection on, a cold file is stored whole and inspected before its first byte.
    return new Reply.Streaming(
            d,
            meta,
            ranged || inspect ? FileSender.STORED_FIRST : config.streamAfter(),
            () -> {
              DownloadOutcome outcome = stored(sha);
              if (inspect && outcome instanceof DownloadOutcome.Stored st) {
                return inspectThenSend(file, sha, st.file(), meta, recheck);
              }
              return send(outcome, meta).now();
            },
            e -> {
              if (d.verified() && !again) {
                // Joined a download whose bytes were verified but could not be kept (its partial
                // file is gone with it) before this answer began: fetched once more, not a 502.
                return CompletableFuture.supplyAsync(
                        () -> artifact(ex, pages, file, recheck, true), blocking)
                    .thenCompose(r -> r);
              }
              return Failures.download(DownloadOutcome.failed(file.filename(), e)).now();
            })
        .now();
  }

  /** The stored file of {@code sha}, or vanished (evicted or purged since it was stored). */
  private DownloadOutcome stored(Sha256 sha) {
    Optional<java.nio.file.Path> p = store.find(sha);
    return p.isPresent() ? new DownloadOutcome.Stored(p.get()) : new DownloadOutcome.Vanished();
  }

  /** The stored file sent, or the answer for why it is not. */
  private static Reply send(DownloadOutcome outcome, FileSender.Meta meta) {
    return outcome instanceof DownloadOutcome.Stored st
        ? new Reply.StoredFile(st.file(), meta)
        : Failures.download(outcome);
  }

  /** Inspects a file just stored, judges it again with the findings, then sends it or 403. */
  private CompletableFuture<Reply> inspectThenSend(
      FileEntry file,
      Sha256 sha,
      java.nio.file.Path p,
      FileSender.Meta meta,
      java.util.function.Supplier<Optional<Decision.Block>> recheck) {
    return inspections
        .ensure(sha, p, Optional.of(file.filename()))
        .handleAsync(
            (inspection, e) -> {
              DownloadOutcome outcome;
              if (e != null) {
                // Fail closed: a file that could not be inspected is not served now (tried again
                // next time).
                LOG.warn("cannot inspect {}: {}", file.filename(), e.toString());
                outcome =
                    new DownloadOutcome.InspectionFailed(
                        file.filename(), String.valueOf(e.getMessage()));
              } else {
                Optional<Decision.Block> block = recheck.get();
                outcome =
                    block.isPresent()
                        ? new DownloadOutcome.Blocked(block.get().summary())
                        : stored(sha);
              }
              return send(outcome, meta);
            },
            blocking);
  }

  /** Health and metrics follow a download that goes to the upstream of {@code pages}. */
  private void watchDownload(PageCache pages, Download d) {
    ops.health().watch(pages.upstream().name(), d);
    metrics.watchDownload(pages.upstream().name(), d);
  }

  static String contentType(String filename) {
    String f = filename.toLowerCase(Locale.ROOT);
    if (f.endsWith(".whl") || f.endsWith(".zip") || f.endsWith(".egg")) {
      return "application/zip";
    }
    if (f.endsWith(".tar.gz") || f.endsWith(".tgz")) {
      return "application/gzip";
    }
    return "application/octet-stream";
  }

  /**
   * Core metadata (PEP 658/714): stored by its own sha256, fetched from {@code <file
   * URL>.metadata}.
   */
  private CompletableFuture<Reply> metadata(Exchange ex, PageCache pages, FileEntry file) {
    var ref = file.metadata();
    if (GeneratedMetadata.applies(file)) {
      // Advertised without a sha256 ("true"), or not at all: the wheel's own, which the metadata
      // rule judged, not the upstream's unverifiable one.
      return generated(pages, file, Optional.empty());
    }
    if (ref.isEmpty()) {
      return Reply.notFound(file.filename() + " has no separate core metadata").now();
    }
    Optional<Sha256> sha = advertisedMetadata(file);
    if (sha.isEmpty()) {
      return MetadataWithoutHash.reply(
          config.cacheDir(),
          config.offline(),
          metrics,
          blocking,
          pages,
          file,
          f -> generated(pages, f, Optional.empty()));
    }
    var meta =
        new FileSender.Meta(sha.get().hex(), "text/plain; charset=utf-8", FILE_CACHE_CONTROL);
    Optional<java.nio.file.Path> stored = store.find(sha.get());
    if (stored.isPresent()) {
      metrics.artifact("metadata", "hit");
      return new Reply.StoredFile(stored.get(), meta).now();
    }
    if (config.offline() && storage.store().isEmpty()) {
      metrics.artifact("metadata", "miss");
      return Reply.notFound(
              file.filename() + ".metadata is not in the cache, and the proxy is offline")
          .now();
    }
    metrics.artifact("metadata", "miss");
    URI metaUrl = URI.create(file.url() + ".metadata");
    Download d = fetchMetadata(pages, sha.get(), file, metaUrl);
    return new Reply.Streaming(
            d,
            meta,
            config.streamAfter(),
            () -> send(stored(sha.get()), meta).now(),
            e -> {
              DownloadOutcome failed = DownloadOutcome.failed(file.filename() + ".metadata", e);
              if (failed instanceof DownloadOutcome.UpstreamFailure u
                  && u.notFound()
                  && file.filename().toLowerCase(Locale.ROOT).endsWith(".whl")
                  && file.sha256().isPresent()) {
                // Advertised, then 404: the wheel's own METADATA instead of a 502 pip retries.
                return generated(pages, file, Optional.of(sha.get().hex()));
              }
              return Failures.download(failed).now();
            })
        .now();
  }

  /**
   * Core metadata read from the wheel itself (README "Core metadata for every wheel"); when the
   * page advertised a hash ({@code expected}), the wheel's metadata must have it.
   */
  CompletableFuture<Reply> generated(PageCache pages, FileEntry file, Optional<String> expected) {
    return renderedPages
        .metadata()
        .obtain(
            store,
            downloads,
            config.offline(),
            blocking,
            pages,
            ProjectName.normalize(nameOf(file)),
            file)
        .thenApply(
            r -> {
              if (r.body().isEmpty()) {
                return Failures.status(r.status(), r.why());
              }
              byte[] body = r.body().get();
              String sha = Sha256.of(body).hex();
              if (expected.isPresent() && !expected.get().equals(sha)) {
                return Failures.upstream(
                    502,
                    "the upstream advertised core metadata for "
                        + file.filename()
                        + " with sha256 "
                        + expected.get()
                        + " and has none; the wheel's own has "
                        + sha);
              }
              var resp =
                  new DefaultFullHttpResponse(
                      HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
              resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
              resp.headers().set(HttpHeaderNames.ETAG, "\"" + sha + "\"");
              return new Reply.Complete(resp);
            });
  }

  /** Starts (or joins) the download of {@code file}'s separate core metadata. */
  private Download fetchMetadata(PageCache pages, Sha256 sha, FileEntry file, URI metaUrl) {
    return downloads.fetch(
        sha,
        file.filename() + ".metadata",
        metaUrl,
        OptionalLong.empty(),
        pages.upstream().allowedHosts(),
        pages.upstream().decorateFor(metaUrl),
        pages.client(),
        started -> watchDownload(pages, started));
  }

  private static String nameOf(FileEntry file) {
    return file.filename().split("-")[0];
  }

  // ---- the legacy JSON API -------------------------------------------------------------

  /**
   * {@code /pypi/<project>/json} and {@code /pypi/<project>/<version>/json} (README "Legacy JSON
   * API").
   */
  private CompletableFuture<Reply> legacyJson(
      Exchange ex, ProjectName name, Optional<String> version) {
    PageJudge judge = currentJudge.get();
    Optional<dev.pypiguard.policy.Reason> hidden = judge.projectBlocked(name);
    if (hidden.isPresent()) {
      return Reply.notFound(name + " is blocked by policy: " + hidden.get()).now();
    }
    String base = base(ex);
    return answered(name)
        .thenApplyAsync(
            r -> {
              if (!(r.lookup() instanceof PageLookup.Found<ProjectPage> found)) {
                return Failures.lookup(r.lookup());
              }
              String upstream = r.pages().upstream().name();
              JudgedPage judged = judgedPage(name, upstream, found, judge, base);
              Optional<byte[]> body;
              try {
                body =
                    LegacyJson.render(
                        advisoryFeed,
                        renderedPages.metadata(),
                        store,
                        java.util.Objects.requireNonNull(judged),
                        name,
                        version,
                        base);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return body.isEmpty()
                  ? Reply.notFound(
                      name
                          + " has no release "
                          + version.orElse("")
                          + " with a file this policy serves")
                  : new Reply.Complete(LegacyJson.response(body.get()));
            },
            blocking);
  }

  // ---- provenance (PEP 740) ------------------------------------------------------------

  /** {@code /integrity/<project>/<version>/<filename>/provenance}. */
  private CompletableFuture<Reply> integrity(Exchange ex, Route.Provenance route) {
    ProjectName name = route.project();
    String filename = route.filename();
    String version = route.version();
    // Provenance is not the file: judged with the metadata known, none read for it.
    return withFile(
        ex,
        name,
        filename,
        false,
        (pages, decision, page) -> {
          // The Integrity API names a file by project, version and filename; a version that is not
          // the file's names nothing (PyPI answers 404), whatever the filename alone would find.
          if (!sameVersion(version, decision.version().isEmpty() ? "0" : decision.version())) {
            return Reply.notFound(filename + " is not a file of " + name + " " + version).now();
          }
          return ProvenanceReplies.reply(
              config.cacheDir(), config.offline(), blocking, pages, decision.file());
        });
  }

  /** PEP 440 equality where both parse (1.0 is 1.0.0), exact text otherwise. */
  static boolean sameVersion(String a, String b) {
    var va = dev.pypiguard.core.version.Version.tryParse(a);
    var vb = dev.pypiguard.core.version.Version.tryParse(b);
    return va.isPresent() && vb.isPresent() ? va.get().equals(vb.get()) : a.equals(b);
  }
}
