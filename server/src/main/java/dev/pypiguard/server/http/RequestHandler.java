package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.IntegrityException;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.CachedPage;
import dev.pypiguard.core.cache.Download;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.PageJudge;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
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
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes requests: the simple API, files and their metadata and provenance, health and metrics.
 *
 * <p>One instance per connection. Reading is paused while a request is served and resumed when
 * its response is written, so responses leave in request order and a client cannot queue work
 * faster than it takes answers.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?");
  /** How long a page waits for its files' provenance verdicts before being judged without. */
  static final java.time.Duration PROVENANCE_WAIT = java.time.Duration.ofSeconds(5);
  private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+!~\\-]{0,250}");
  static final String FILE_CACHE_CONTROL = "public, max-age=31536000, immutable";
  static final String PAGE_CACHE_CONTROL = "max-age=0, must-revalidate";

  private final Services s;

  RequestHandler(Services services) {
    this.s = services;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    // Reads are requested one request at a time (see the class comment).
    ctx.channel().config().setAutoRead(false);
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    var ex = new Exchange(ctx, request, s);
    if (request.decoderResult().isFailure()) {
      Throwable cause = request.decoderResult().cause();
      HttpResponseStatus status =
          cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              : cause instanceof TooLongHttpHeaderException
                  ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                  : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                      : HttpResponseStatus.BAD_REQUEST;
      ex.route = "bad-request";
      ex.forceClose = true;
      ex.send(Exchange.text(status, status.reasonPhrase()));
      return;
    }
    try {
      route(ex);
    } catch (RuntimeException e) {
      LOG.error("failed to serve {} {}", ex.method, ex.uri, e);
      ex.send(Exchange.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Connection resets and the like: nothing to answer.
    LOG.debug("connection error: {}", cause.toString());
    ctx.close();
  }

  private void route(Exchange ex) {
    boolean admin = ex.uri.startsWith("/-/admin/") || ex.uri.equals("/-/admin");
    if (!(ex.method.equals(HttpMethod.GET) || ex.method.equals(HttpMethod.HEAD)
        || (admin && ex.method.equals(HttpMethod.POST)))) {
      var r = Exchange.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD are served");
      r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      ex.route = "bad-request";
      ex.send(r);
      return;
    }
    Optional<RequestPath> parsed = RequestPath.parse(ex.uri);
    if (parsed.isEmpty()) {
      ex.route = "bad-request";
      ex.send(Exchange.text(HttpResponseStatus.BAD_REQUEST, "malformed request path"));
      return;
    }
    RequestPath path = parsed.get();
    List<String> seg = path.segments();
    if (!AccessControl.admit(ex, s, seg)) {
      return;
    }
    String first = seg.isEmpty() ? "" : seg.get(0);
    switch (first) {
      case "" -> AdminRoutes.home(ex, s, base(ex));
      case "healthz" -> {
        ex.route = "healthz";
        // The first line is the verdict; the lines after it say how the advisory sources are.
        var lines = new java.util.ArrayList<String>(List.of("ok"));
        s.advisories().ifPresent(a -> lines.addAll(a.health()));
        // Each defence on, off or BROKEN (issue 18): a defence that cannot work shows here.
        dev.pypiguard.server.policy.Defences.of(s.ops().policy().policy(), s.advisories())
            .forEach(d -> lines.add("defence " + d));
        lines.addAll(s.storage().health());
        ex.send(Exchange.text(HttpResponseStatus.OK, String.join("\n", lines)));
      }
      case "metrics" -> {
        ex.route = "metrics";
        s.blocking().execute(() -> {
          var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
              Unpooled.copiedBuffer(s.metrics().scrape(), StandardCharsets.UTF_8));
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          ex.send(r);
        });
      }
      case "simple" -> simple(ex, path);
      case "files" -> files(ex, path);
      case "integrity" -> integrity(ex, path);
      case "-" -> {
        if (seg.size() >= 2 && seg.get(1).equals("admin")) {
          AdminRoutes.serve(ex, s, path, base(ex));
        } else if (path.segments().size() == 3 && path.segments().get(1).equals("explain")) {
          Explain.send(ex, s, this, path.segments().get(2));
        } else {
          notFound(ex, "no such path");
        }
      }
      default -> notFound(ex, "no such path");
    }
  }

  private static void notFound(Exchange ex, String why) {
    if (ex.route.equals("other")) {
      ex.route = "not-found";
    }
    ex.send(Exchange.text(HttpResponseStatus.NOT_FOUND, why));
  }

  // ---- the simple API -------------------------------------------------------------------

  private void simple(Exchange ex, RequestPath path) {
    List<String> seg = path.segments();
    if (seg.size() == 1) {
      ex.route = "index";
      if (!path.trailingSlash()) {
        redirect(ex, "/simple/" + query(path));
        return;
      }
      Optional<SimpleFormat> format = negotiate(ex, path);
      if (format.isEmpty()) {
        return;
      }
      index(ex, format.get());
      return;
    }
    if (seg.size() != 2) {
      notFound(ex, "no such path");
      return;
    }
    ex.route = "project";
    String raw = seg.get(1);
    Optional<ProjectName> name = ProjectName.parse(raw);
    if (name.isEmpty()) {
      notFound(ex, "not a valid project name: " + raw);
      return;
    }
    if (!path.trailingSlash() || !name.get().value().equals(raw)) {
      // PEP 503: the normalized name with a trailing slash is the one URL of a project.
      redirect(ex, "/simple/" + name.get().value() + "/" + query(path));
      return;
    }
    Optional<SimpleFormat> format = negotiate(ex, path);
    if (format.isEmpty()) {
      return;
    }
    project(ex, name.get(), format.get());
  }

  private static String query(RequestPath path) {
    return path.rawQuery().isEmpty() ? "" : "?" + path.rawQuery();
  }

  private static void redirect(Exchange ex, String location) {
    var r = Exchange.text(HttpResponseStatus.MOVED_PERMANENTLY, "moved to " + location);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    ex.send(r);
  }

  private Optional<SimpleFormat> negotiate(Exchange ex, RequestPath path) {
    Optional<SimpleFormat> f = s.rendered().replies.negotiate(  // memoized (issue 15)
        ex.headers.get(HttpHeaderNames.ACCEPT), path.query("format"));
    if (f.isEmpty()) {
      var r = Exchange.text(HttpResponseStatus.NOT_ACCEPTABLE,
          "none of the requested types is available; this index serves "
              + SimpleFormat.JSON_V1.mediaType() + ", " + SimpleFormat.HTML_V1.mediaType()
              + " and " + SimpleFormat.HTML_LEGACY.mediaType());
      r.headers().set(HttpHeaderNames.VARY, "Accept");
      ex.send(r);
    }
    return f;
  }

  private void index(Exchange ex, SimpleFormat format) {
    s.router().index().thenAcceptAsync(lookup -> {
      if (lookup instanceof PageLookup.Found<ProjectIndex> found) {
        CachedPage<ProjectIndex> page = found.page();
        PageJudge judge = s.judge().get();
        var rendered = s.rendered().index(s.router().indexKey(), page.version(),
            judge.version(), format, () -> visible(page.value(), judge));
        sendPage(ex, rendered, format, found.stale());
      } else {
        sendLookupFailure(ex, lookup);
      }
    }, s.blocking()).exceptionally(ex::internalError);
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
    return s.router().resolve(name);
  }

  private void project(Exchange ex, ProjectName name, SimpleFormat format) {
    PageJudge judge = s.judge().get();
    Optional<dev.pypiguard.policy.Reason> hidden = judge.projectBlocked(name);
    if (hidden.isPresent()) {
      // INTERFACE.md §5: denied projects "do not exist".
      notFound(ex, name + " is blocked by policy: " + hidden.get());
      return;
    }
    CompletableFuture<UpstreamRouter.Resolved> resolved = resolve(name);
    // ---- issue 15: a cached page hit is answered here, on the event loop (PageReplies) ----
    if (s.rendered().replies.answer(ex, s, this, resolved, judge, format, base(ex), name)) {
      return;
    }
    // ---- end of the fast-path hook ----
    resolved.thenAcceptAsync(r -> {
      if (r.lookup() instanceof PageLookup.Found<ProjectPage> found) {
        CachedPage<ProjectPage> page = found.page();
        String upstream = r.pages().upstream().name();
        prefetchAdvisories(name, page.value());
        Provenance.prefetch(s, r.pages(), page.value(), PROVENANCE_WAIT);
        var rendered = s.rendered().project(upstream, name.value(), page.version(),
            judge.version(), format, base(ex), () -> judge.judge(upstream, page.value()));
        sendPage(ex, rendered, format, found.stale());
        audit(ex, "page", name, rendered.judged().files(), judge.version());
      } else {
        sendLookupFailure(ex, r.lookup());
      }
    }, s.blocking()).exceptionally(ex::internalError);
  }

  static void sendLookupFailure(Exchange ex, PageLookup<?> lookup) {
    if (lookup instanceof PageLookup.Missing<?> m) {
      notFound(ex, m.why());
    } else if (lookup instanceof PageLookup.Unavailable<?> u) {
      ex.send(Exchange.withPhrase(u.timedOut() ? 504 : 502,
          u.timedOut() ? "Gateway Timeout" : "Bad Gateway", u.why()));
    }
  }

  private static void sendPage(Exchange ex, RenderedPages.Rendered page, SimpleFormat format, boolean stale) {
    String inm = ex.headers.get(HttpHeaderNames.IF_NONE_MATCH);
    boolean gzip = acceptsGzip(ex.headers.get(HttpHeaderNames.ACCEPT_ENCODING));
    FullHttpResponse r;
    if (inm != null && FileSender.etagMatches(inm, page.etag())) {
      r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
    } else {
      byte[] body = gzip ? page.gzip() : page.body();
      r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE,
          format.mediaType() + (format.isJson() ? "" : "; charset=utf-8"));
      if (gzip) {
        r.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
      }
    }
    r.headers().set(HttpHeaderNames.ETAG, page.etag());
    r.headers().set(HttpHeaderNames.VARY, "Accept, Accept-Encoding");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, PAGE_CACHE_CONTROL);
    if (stale) {
      r.headers().set(HttpHeaderNames.WARNING, "110 pypi-guard \"Response is Stale\"");
    }
    ex.send(r);
  }

  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] p = part.trim().split(";");
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

  /** The external URL of this proxy: {@code --base-url}, or the scheme and Host of the request. */
  private String base(Exchange ex) {
    if (s.config().baseUrl().isPresent()) {
      return s.config().baseUrl().get().toString();
    }
    String host = ex.headers.get(HttpHeaderNames.HOST);
    if (host == null || !HOST.matcher(host).matches()) {
      // A forged Host must not end up in links (and in the rendered-page cache).
      var local = (java.net.InetSocketAddress) ex.ctx.channel().localAddress();
      host = (local.getAddress() instanceof java.net.Inet6Address
          ? "[" + local.getAddress().getHostAddress() + "]" : local.getAddress().getHostAddress())
          + ":" + local.getPort();
    }
    return (s.tls() ? "https://" : "http://") + host.toLowerCase(Locale.ROOT);
  }

  // ---- files ----------------------------------------------------------------------------

  /** {@code /files/<project>/<filename>} and {@code /files/<project>/<filename>.metadata}. */
  private void files(Exchange ex, RequestPath path) {
    ex.route = "file";
    List<String> seg = path.segments();
    if (seg.size() != 3 || path.trailingSlash()) {
      notFound(ex, "no such file");
      return;
    }
    Optional<ProjectName> name = ProjectName.parse(seg.get(1)).filter(n -> n.value().equals(seg.get(1)));
    String filename = seg.get(2);
    if (name.isEmpty() || !FILENAME.matcher(filename).matches()) {
      notFound(ex, "no such file");
      return;
    }
    boolean metadata = filename.endsWith(".metadata");
    if (metadata) {
      ex.route = "metadata";
    }
    String artifact = metadata ? filename.substring(0, filename.length() - ".metadata".length()) : filename;
    withFile(ex, name.get(), artifact, (pages, decision) -> {
      if (metadata) {
        sendMetadata(ex, pages, decision.file());
      } else {
        if (!ex.head()) {
          s.record().ifPresent(r -> decision.file().sha256()
              .ifPresent(sha -> r.record(name.get().value(), decision.version(), sha)));
        }
        sendArtifact(ex, pages, decision.file());
      }
    });
  }

  interface FileAction {
    void run(PageCache pages, FileDecision decision);
  }

  /** Finds a file on its project's page, judges it, and runs {@code action} when it is allowed. */
  private void withFile(Exchange ex, ProjectName name, String filename, FileAction action) {
    resolve(name).thenAcceptAsync(r -> {
      if (!(r.lookup() instanceof PageLookup.Found<ProjectPage> found)) {
        sendLookupFailure(ex, r.lookup());
        return;
      }
      ProjectPage page = found.page().value();
      if (page.file(filename).isEmpty()) {
        notFound(ex, filename + " is not a file of " + name);
        return;
      }
      PageJudge judge = s.judge().get();
      String upstream = r.pages().upstream().name();
      prefetchAdvisories(name, page);
      Provenance.prefetch(s, r.pages(), page, PROVENANCE_WAIT);
      // The same judged page that the index shows (cached under the same key): one decision.
      JudgedPage judged = s.rendered().project(upstream, name.value(), found.page().version(),
          judge.version(), SimpleFormat.JSON_V1, base(ex), () -> judge.judge(upstream, page)).judged();
      FileDecision decision = judged.file(filename).orElseThrow();
      audit(ex, "file", name, List.of(decision), judge.version());
      if (decision.decision() instanceof Decision.Block block) {
        ex.send(Exchange.withPhrase(403, "Blocked by policy: " + block.summary(),
            "403 Blocked by policy: " + block.summary()));
        return;
      }
      action.run(r.pages(), decision);
    }, s.blocking()).exceptionally(ex::internalError);
  }

  /** With the OSV API as a source, its answers for a page's versions are awaited (briefly) first. */
  void prefetchAdvisories(ProjectName name, ProjectPage page) {
    s.advisories().ifPresent(a -> a.prefetch(name,
        page.files().stream().map(f -> dev.pypiguard.policy.BaselineJudge.versionOf(page, f)).toList(),
        java.time.Duration.ofSeconds(3)));
  }

  private void audit(Exchange ex, String via, ProjectName name, List<FileDecision> files, String version) {
    var relevant = files.stream().filter(f -> !f.decision().reasons().isEmpty()).toList();
    s.audit().record(ex.remote(), ex.user, via, name.value(), relevant, version);
  }

  private void sendArtifact(Exchange ex, PageCache pages, FileEntry file) {
    Sha256 sha = Sha256.parse(file.sha256().orElse("")).orElse(null);
    if (sha == null) {
      ex.send(Exchange.withPhrase(502, "Bad Gateway", "the upstream gave no valid sha256 for " + file.filename()));
      return;
    }
    var meta = new FileSender.Meta(sha.hex(), contentType(file.filename()), FILE_CACHE_CONTROL);
    Optional<java.nio.file.Path> stored = s.store().find(sha);
    if (stored.isPresent()) {
      s.metrics().artifact("file", "hit");
      FileSender.sendStored(ex, s, stored.get(), meta);
      return;
    }
    if (s.config().offline() && s.storage().store().isEmpty()) {
      s.metrics().artifact("file", "miss");
      notFound(ex, file.filename() + " is not in the cache, and the proxy is offline");
      return;
    }
    if (ex.head()) {
      // Headers only: no reason to download now.
      var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, meta.contentType());
      r.headers().set(HttpHeaderNames.ETAG, meta.etag());
      r.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
      ex.onLoop(() -> {
        ex.prepare(r);
        file.size().ifPresent(n -> r.headers().set(HttpHeaderNames.CONTENT_LENGTH, n));
        if (file.size().isEmpty()) {
          r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        ex.finish(ex.ctx.writeAndFlush(r));
      });
      return;
    }
    s.metrics().artifact("file", "miss");
    URI url;
    try {
      url = URI.create(file.url());
    } catch (IllegalArgumentException e) {
      ex.send(Exchange.withPhrase(502, "Bad Gateway", "the upstream gave an invalid URL for " + file.filename()));
      return;
    }
    Download d = s.downloads().fetch(sha, file.filename(), url, file.size(),
        pages.upstream().allowedHosts(), pages.upstream().decorateFor(url), pages.client(),
        started -> watchDownload(pages, started));
    boolean ranged = ex.headers.contains(HttpHeaderNames.RANGE);
    Runnable whenStored = () -> s.store().find(sha).ifPresentOrElse(
        p -> FileSender.sendStored(ex, s, p, meta),
        () -> ex.send(Exchange.withPhrase(502, "Bad Gateway", "the download vanished")));
    FileSender.sendDownload(ex, s, d, meta, ranged ? Long.MAX_VALUE : s.config().streamAfter(),
        whenStored, e -> downloadFailed(ex, file.filename(), e));
  }

  /** Health and metrics follow a download that goes to the upstream of {@code pages}. */
  private void watchDownload(PageCache pages, Download d) {
    s.ops().health().watch(pages.upstream().name(), d);
    s.metrics().watchDownload(pages.upstream().name(), d);
  }

  private static void downloadFailed(Exchange ex, String filename, Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof Download.NotCached) {
      notFound(ex, filename + " " + cause.getMessage());
    } else if (cause instanceof IntegrityException) {
      ex.send(Exchange.withPhrase(502, "Bad Gateway: upstream bytes do not match their hash",
          "refused " + filename + " from the upstream: " + cause.getMessage()));
    } else if (cause instanceof Download.DownloadFailure f && f.timedOut()) {
      ex.send(Exchange.withPhrase(504, "Gateway Timeout", "fetching " + filename + ": " + f.getMessage()));
    } else {
      ex.send(Exchange.withPhrase(502, "Bad Gateway", "fetching " + filename + ": " + cause.getMessage()));
    }
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

  /** Core metadata (PEP 658/714): stored by its own sha256, fetched from {@code <file URL>.metadata}. */
  private void sendMetadata(Exchange ex, PageCache pages, FileEntry file) {
    var ref = file.metadata();
    if (ref.isEmpty()) {
      notFound(ex, file.filename() + " has no separate core metadata");
      return;
    }
    Optional<Sha256> sha = Sha256.parse(ref.get().hashes().getOrDefault("sha256", ""));
    if (sha.isEmpty()) {
      MetadataWithoutHash.send(ex, s, pages, file);
      return;
    }
    var meta = new FileSender.Meta(sha.get().hex(), "text/plain; charset=utf-8", FILE_CACHE_CONTROL);
    Optional<java.nio.file.Path> stored = s.store().find(sha.get());
    if (stored.isPresent()) {
      s.metrics().artifact("metadata", "hit");
      FileSender.sendStored(ex, s, stored.get(), meta);
      return;
    }
    if (s.config().offline() && s.storage().store().isEmpty()) {
      s.metrics().artifact("metadata", "miss");
      notFound(ex, file.filename() + ".metadata is not in the cache, and the proxy is offline");
      return;
    }
    s.metrics().artifact("metadata", "miss");
    URI metaUrl = URI.create(file.url() + ".metadata");
    Download d = s.downloads().fetch(sha.get(), file.filename() + ".metadata", metaUrl, OptionalLong.empty(),
        pages.upstream().allowedHosts(), pages.upstream().decorateFor(metaUrl), pages.client(),
        started -> watchDownload(pages, started));
    FileSender.sendDownload(ex, s, d, meta, Long.MAX_VALUE,
        () -> s.store().find(sha.get()).ifPresentOrElse(
            p -> FileSender.sendStored(ex, s, p, meta),
            () -> ex.send(Exchange.withPhrase(502, "Bad Gateway", "the download vanished"))),
        e -> downloadFailed(ex, file.filename() + ".metadata", e));
  }

  // ---- provenance (PEP 740) ------------------------------------------------------------

  /** {@code /integrity/<project>/<version>/<filename>/provenance}. */
  private void integrity(Exchange ex, RequestPath path) {
    ex.route = "provenance";
    List<String> seg = path.segments();
    if (seg.size() != 5 || !seg.get(4).equals("provenance") || path.trailingSlash()) {
      notFound(ex, "no such path");
      return;
    }
    Optional<ProjectName> name = ProjectName.parse(seg.get(1)).filter(n -> n.value().equals(seg.get(1)));
    String filename = seg.get(3);
    if (name.isEmpty() || !FILENAME.matcher(filename).matches()) {
      notFound(ex, "no such file");
      return;
    }
    withFile(ex, name.get(), filename, (pages, decision) -> Provenance.send(ex, s, pages, decision.file()));
  }
}
