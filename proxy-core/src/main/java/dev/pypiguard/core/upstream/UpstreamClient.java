package dev.pypiguard.core.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * An asynchronous HTTP client for upstream indexes and file hosts, built on the JDK's {@link
 * HttpClient}: pooled keep-alive connections, HTTP/2 over TLS, the system trust store (or a given
 * {@link SSLContext}), connect and read timeouts, and redirects followed only to allowed hosts.
 *
 * <p>The JDK client was chosen over Netty's own client because it brings pooling, TLS with ALPN,
 * proxies with CONNECT and {@code Flow} back-pressure without code of ours, and cannot clash with
 * the server's event loops.
 */
public final class UpstreamClient implements AutoCloseable {
  private static final int MAX_REDIRECTS = 5;

  /** The most bytes a page may have, as sent and once decompressed, unless configured. */
  public static final long DEFAULT_MAX_PAGE_BYTES = 64L * 1024 * 1024;

  /**
   * How the client connects; the defaults suit pypi.org.
   *
   * @param maxPageBytes the most bytes an index page may have, as sent and decompressed
   */
  public record Settings(
      Duration connectTimeout,
      Duration readTimeout,
      Optional<SSLContext> sslContext,
      Optional<java.net.ProxySelector> proxy,
      Optional<java.net.Authenticator> authenticator,
      String userAgent,
      long maxPageBytes) {
    public Settings(
        Duration connectTimeout,
        Duration readTimeout,
        Optional<SSLContext> sslContext,
        Optional<java.net.ProxySelector> proxy,
        Optional<java.net.Authenticator> authenticator,
        String userAgent) {
      this(
          connectTimeout,
          readTimeout,
          sslContext,
          proxy,
          authenticator,
          userAgent,
          DEFAULT_MAX_PAGE_BYTES);
    }

    public Settings withMaxPageBytes(long max) {
      return new Settings(
          connectTimeout, readTimeout, sslContext, proxy, authenticator, userAgent, max);
    }

    public static Settings defaults(String userAgent) {
      return new Settings(
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          userAgent);
    }
  }

  private final Settings settings;
  private final HttpClient http;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;

  public UpstreamClient(Settings settings) {
    this.settings = settings;
    this.executor = Executors.newCachedThreadPool(named("upstream-io"));
    this.timer = Executors.newSingleThreadScheduledExecutor(named("upstream-timer"));
    var builder =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .version(HttpClient.Version.HTTP_2);
    settings.sslContext().ifPresent(builder::sslContext);
    settings.proxy().ifPresent(builder::proxy);
    settings.authenticator().ifPresent(builder::authenticator);
    this.http = builder.build();
  }

  private static ThreadFactory named(String prefix) {
    var n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Fetches an index page, asking with {@code accept}, revalidating with {@code etag}; redirects
   * are followed to hosts in {@code allowedHosts} only.
   */
  public CompletableFuture<PageFetch> page(
      URI url,
      String accept,
      Optional<String> etag,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate) {
    if (LocalTree.handles(url)) {
      // --upstream file:DIR: read from disk on our threads, never the network.
      return LocalTree.page(url, accept, etag, allowedHosts, executor);
    }
    return page(url, accept, etag, allowedHosts, decorate, 0);
  }

  private CompletableFuture<PageFetch> page(
      URI url,
      String accept,
      Optional<String> etag,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      int hops) {
    HttpRequest.Builder req =
        request(url)
            .timeout(settings.readTimeout())
            .header("Accept", accept)
            .header("Accept-Encoding", "gzip");
    etag.ifPresent(e -> req.header("If-None-Match", e));
    decorate.accept(req);
    // timeouts.read bounds the whole page, not only the wait for its headers: a page dripped a
    // byte at a time is cut at the deadline (README, "Hostile upstreams and clients").
    long deadline = System.nanoTime() + settings.readTimeout().toNanos();
    return http.sendAsync(
            req.build(),
            info ->
                info.statusCode() == 200
                    ? new PageBody(settings.maxPageBytes(), deadline, timer)
                    : HttpResponse.BodySubscribers.replacing((byte[]) null))
        .thenApplyAsync(
            resp -> {
              int status = resp.statusCode();
              if (isRedirect(status)) {
                return redirect(url, resp.headers(), allowedHosts, hops)
                    .<Object>map(next -> next)
                    .orElseGet(
                        () ->
                            new PageFetch.Failed(
                                "refused redirect from "
                                    + url
                                    + " to "
                                    + resp.headers().firstValue("Location").orElse("(none)")
                                    + ": not an upstream host",
                                false));
              }
              if (status == 304) {
                return new PageFetch.NotModified();
              }
              if (status == 404 || status == 410) {
                return new PageFetch.NotFound();
              }
              if (status != 200) {
                return new PageFetch.Failed(
                    "HTTP " + status + " from " + url,
                    false,
                    status == 429 || status == 503
                        ? RetryAfter.parse(resp.headers(), Instant.now())
                        : Optional.empty());
              }
              try {
                byte[] body = decode(resp.body(), resp.headers(), settings.maxPageBytes());
                return new PageFetch.Fetched(
                    resp.uri(),
                    body,
                    resp.headers().firstValue("Content-Type").orElse("text/html"),
                    resp.headers().firstValue("ETag"));
              } catch (IOException e) {
                return new PageFetch.Failed("reading " + url + ": " + describe(e), false);
              }
            },
            executor)
        .thenCompose(
            o ->
                o instanceof URI next
                    ? page(
                        next, accept, etag, allowedHosts, sameHost(url, next, decorate), hops + 1)
                    : CompletableFuture.completedFuture((PageFetch) o))
        .exceptionally(e -> new PageFetch.Failed(describe(e), isTimeout(e)));
  }

  /**
   * A page's body as it came (perhaps gzip), decompressed with a bound: a gzip bomb is refused once
   * it inflates past {@code max} bytes, before it costs more memory than that.
   */
  static byte[] decode(byte[] raw, HttpHeaders headers, long max) throws IOException {
    boolean gzip =
        headers
            .firstValue("Content-Encoding")
            .map(v -> v.toLowerCase(Locale.ROOT).contains("gzip"))
            .orElse(false);
    if (!gzip) {
      return raw;
    }
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
      var out = new ByteArrayOutputStream();
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
        if (total > max) {
          throw new IOException("page inflates to more than " + max + " bytes (limits.page-size)");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new IOException("page is not valid gzip: " + e.getMessage());
    }
  }

  /**
   * Streams a file into {@code sink}, following redirects to allowed hosts. The returned future
   * completes after the sink's last call.
   */
  public CompletableFuture<Void> download(
      URI url,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      DownloadSink sink) {
    if (LocalTree.handles(url)) {
      return LocalTree.download(url, allowedHosts, sink, executor);
    }
    return download(url, allowedHosts, decorate, sink, 0);
  }

  private CompletableFuture<Void> download(
      URI url,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      DownloadSink sink,
      int hops) {
    if (!allowedHosts.contains(hostOf(url))) {
      sink.failed("refused to fetch " + url + ": not an upstream host", false, false);
      return CompletableFuture.completedFuture(null);
    }
    HttpRequest.Builder req = request(url).header("Accept-Encoding", "identity");
    decorate.accept(req);
    var done = new CompletableFuture<Void>();
    var subscriber = new StreamingSubscriber(sink, done, url);
    http.sendAsync(
            req.build(),
            info -> {
              int status = info.statusCode();
              if (status == 200) {
                subscriber.length = info.headers().firstValueAsLong("Content-Length");
                return HttpResponse.BodySubscribers.fromSubscriber(subscriber, s -> null);
              }
              return HttpResponse.BodySubscribers.replacing(null);
            })
        .whenComplete(
            (resp, err) -> {
              if (err != null) {
                subscriber.fail(describe(err), false, isTimeout(err));
                return;
              }
              int status = resp.statusCode();
              if (status == 200) {
                return; // the subscriber finishes the future
              }
              if (isRedirect(status)) {
                var next = redirect(url, resp.headers(), allowedHosts, hops);
                if (next.isPresent()) {
                  download(
                          next.get(),
                          allowedHosts,
                          sameHost(url, next.get(), decorate),
                          sink,
                          hops + 1)
                      .whenComplete((v, e) -> done.complete(null));
                } else {
                  subscriber.fail(
                      "refused redirect from "
                          + url
                          + " to "
                          + resp.headers().firstValue("Location").orElse("(none)")
                          + ": not an upstream host",
                      false,
                      false);
                }
                return;
              }
              subscriber.fail(
                  "HTTP " + status + " from " + url, status == 404 || status == 410, false);
            });
    return done;
  }

  /** The answer to a range request. */
  public sealed interface Ranged permits Ranged.Partial, Ranged.Refused, Ranged.Failed {
    /** 206: {@code bytes} start at {@code start} of a file of {@code total} bytes. */
    record Partial(byte[] bytes, long start, long total) implements Ranged {}

    /** The upstream sent the whole file (200) or cannot serve ranges (a {@code file:} tree). */
    record Refused(String why) implements Ranged {}

    /** Failed; {@code notFound} for 404/410. */
    record Failed(String reason, boolean notFound, boolean timedOut) implements Ranged {}
  }

  /**
   * Asks for part of a file ({@code Range: bytes=...}, RFC 9110 §14), following redirects to
   * allowed hosts as {@link #download} does. A 206 body longer than {@code maxBytes} fails; a 200
   * is not read (the connection is dropped) and answers {@link Ranged.Refused}.
   */
  public CompletableFuture<Ranged> range(
      URI url,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      String range,
      int maxBytes) {
    if (LocalTree.handles(url)) {
      return CompletableFuture.completedFuture(new Ranged.Refused("a local tree"));
    }
    return range(url, allowedHosts, decorate, range, maxBytes, 0);
  }

  private CompletableFuture<Ranged> range(
      URI url,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      String range,
      int maxBytes,
      int hops) {
    if (!allowedHosts.contains(hostOf(url))) {
      return CompletableFuture.completedFuture(
          new Ranged.Failed("refused to fetch " + url + ": not an upstream host", false, false));
    }
    HttpRequest.Builder req =
        request(url)
            .header("Accept-Encoding", "identity")
            .header("Range", range)
            .timeout(settings.readTimeout());
    decorate.accept(req);
    return http.sendAsync(
            req.build(), info -> new BoundedBody(info.statusCode() == 206 ? maxBytes : -1))
        .handle(
            (resp, err) -> {
              if (err != null) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Failed(describe(err), false, isTimeout(err)));
              }
              int status = resp.statusCode();
              if (isRedirect(status)) {
                var next = redirect(url, resp.headers(), allowedHosts, hops);
                return next.isPresent()
                    ? range(
                        next.get(),
                        allowedHosts,
                        sameHost(url, next.get(), decorate),
                        range,
                        maxBytes,
                        hops + 1)
                    : CompletableFuture.<Ranged>completedFuture(
                        new Ranged.Failed(
                            "refused redirect from " + url + ": not an upstream host",
                            false,
                            false));
              }
              if (status == 200) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Refused("HTTP 200 to a range request"));
              }
              if (status != 206) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Failed(
                        "HTTP " + status + " from " + url, status == 404 || status == 410, false));
              }
              // RFC 9110 §14.4: Content-Range: bytes first-last/complete-length
              var m =
                  java.util.regex.Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)")
                      .matcher(resp.headers().firstValue("Content-Range").orElse("").trim());
              byte[] body = resp.body();
              if (body == null) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Failed(
                        "a range answer longer than the " + maxBytes + " bytes asked for",
                        false,
                        false));
              }
              if (!m.matches()) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Refused("a 206 without a usable Content-Range"));
              }
              long first = Long.parseLong(m.group(1));
              long last = Long.parseLong(m.group(2));
              long total = Long.parseLong(m.group(3));
              if (body.length == 0 || last - first + 1 != body.length || last >= total) {
                return CompletableFuture.<Ranged>completedFuture(
                    new Ranged.Failed(
                        "a range answer of "
                            + body.length
                            + " bytes does not match its Content-Range",
                        false,
                        false));
              }
              return CompletableFuture.<Ranged>completedFuture(
                  new Ranged.Partial(body, first, total));
            })
        .thenCompose(f -> f);
  }

  /**
   * A body read into memory up to {@code max} bytes; past that (or with {@code max < 0}: a body not
   * wanted at all) the transfer is cancelled and the body is {@code null}. The body's future
   * completes in every case, so a cancelled transfer cannot leave the request hanging.
   */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private Flow.Subscription sub;

    BoundedBody(int max) {
      this.max = max;
    }

    @Override
    public java.util.concurrent.CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      sub = s;
      if (max < 0) {
        s.cancel(); // a whole wheel we did not ask for: stop it here
        body.complete(null);
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (body.isDone()) {
          return;
        }
        if (out.size() + b.remaining() > max) {
          sub.cancel();
          body.complete(null);
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }
  }

  private HttpRequest.Builder request(URI url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).header("User-Agent", settings.userAgent());
    if ("http".equalsIgnoreCase(url.getScheme())) {
      // Plain-text upstreams get HTTP/1.1: an h2c upgrade attempt confuses simple servers.
      b.version(HttpClient.Version.HTTP_1_1);
    }
    return b;
  }

  private Optional<URI> redirect(
      URI from, HttpHeaders headers, Set<String> allowedHosts, int hops) {
    if (hops >= MAX_REDIRECTS) {
      return Optional.empty();
    }
    return headers
        .firstValue("Location")
        .flatMap(
            loc -> {
              try {
                URI next = from.resolve(loc.trim());
                String scheme =
                    next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
                boolean ok =
                    (scheme.equals("https") || scheme.equals("http"))
                        && allowedHosts.contains(hostOf(next));
                return ok ? Optional.of(next) : Optional.empty();
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            });
  }

  /**
   * Credentials follow a redirect to the same host only (as curl does without --location-trusted).
   */
  private static Consumer<HttpRequest.Builder> sameHost(
      URI from, URI to, Consumer<HttpRequest.Builder> decorate) {
    return hostOf(from).equals(hostOf(to)) ? decorate : b -> {};
  }

  /** The host and port of a URL as the allowed-host sets spell it: {@code host:port}. */
  public static String hostOf(URI url) {
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    int port = url.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
    return host + ":" + port;
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException && !(t instanceof HttpConnectTimeoutException)) {
        return true;
      }
      if (t instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (t instanceof HttpTimeoutException) {
      return t.getMessage() != null && t.getMessage().contains("timeouts.")
          ? t.getMessage()
          : "timed out";
    }
    if (t instanceof ConnectException) {
      return "connection refused";
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    executor.shutdownNow();
  }

  /**
   * Hands each buffer to the sink and requests the next only after the sink returned, with an idle
   * timer that cancels the transfer when no byte arrives within the read timeout.
   */
  private final class StreamingSubscriber implements Flow.Subscriber<List<ByteBuffer>> {
    private final DownloadSink sink;
    private final CompletableFuture<Void> done;
    private final URI url;
    private Flow.Subscription subscription;
    volatile OptionalLong length = OptionalLong.empty();
    private volatile long lastActivity = System.nanoTime();
    private ScheduledFuture<?> watchdog;
    private boolean finished;

    StreamingSubscriber(DownloadSink sink, CompletableFuture<Void> done, URI url) {
      this.sink = sink;
      this.done = done;
      this.url = url;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      long periodMs = Math.max(100, settings.readTimeout().toMillis() / 4);
      watchdog =
          timer.scheduleAtFixedRate(this::checkIdle, periodMs, periodMs, TimeUnit.MILLISECONDS);
      try {
        synchronized (this) {
          sink.start(length);
        }
      } catch (IOException e) {
        s.cancel();
        fail("writing " + url + ": " + describe(e), false, false);
        return;
      }
      s.request(1);
    }

    private void checkIdle() {
      long idle = System.nanoTime() - lastActivity;
      if (idle > settings.readTimeout().toNanos()) {
        subscription.cancel();
        fail(
            "read timed out after " + settings.readTimeout().toSeconds() + "s from " + url,
            false,
            true);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      lastActivity = System.nanoTime();
      try {
        synchronized (this) {
          if (finished) {
            return;
          }
          for (ByteBuffer b : items) {
            sink.data(b);
          }
        }
      } catch (IOException e) {
        subscription.cancel();
        fail("writing " + url + ": " + describe(e), false, false);
        return;
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      fail("reading " + url + ": " + describe(t), false, isTimeout(t));
    }

    @Override
    public void onComplete() {
      synchronized (this) {
        if (finished) {
          return;
        }
        finished = true;
        cancelWatchdog();
        try {
          sink.end();
        } catch (IOException e) {
          sink.failed(describe(e), false, false);
        }
      }
      done.complete(null);
    }

    void fail(String reason, boolean notFound, boolean timedOut) {
      synchronized (this) {
        if (finished) {
          return;
        }
        finished = true;
        cancelWatchdog();
        sink.failed(reason, notFound, timedOut);
      }
      done.complete(null);
    }

    private void cancelWatchdog() {
      if (watchdog != null) {
        watchdog.cancel(false);
      }
    }
  }
}
