package dev.pypiguard.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pypiguard.core.cache.PageLookup;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.PageJudge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The cached-page fast path (README "Speed"): a project page whose upstream copy is fresh and whose
 * judged rendering is cached is answered on the event loop, from bytes rendered once per (page
 * version, judgement version, format, base URL) and kept in direct memory, with headers built once
 * per content-coding. No hop to the blocking pool, no rendering, no per-request work over the
 * page's files: what a request allocates is its response object and its header copy.
 *
 * <p>Everything else (a page to fetch or revalidate, a stale copy, a page not rendered yet for this
 * judgement, {@code HEAD}, conditional requests) takes the ordinary path in {@link RequestHandler},
 * which renders and caches; the next request then finds it here.
 */
final class PageReplies {
  /** How often a hit re-runs the look-ups a judgement waits for (OSV answers, provenance). */
  private static final long REFRESH_NANOS = 1_000_000_000L;

  /** Distinct header values remembered by the negotiation memos; clients send a handful. */
  private static final int MEMO_LIMIT = 256;

  private static final AsciiString VARY = AsciiString.cached("Accept, Accept-Encoding");
  private static final AsciiString CACHE_CONTROL =
      AsciiString.cached(RequestHandler.PAGE_CACHE_CONTROL);
  private static final AsciiString GZIP = AsciiString.cached("gzip");

  /** Replies by the rendered page they send (by identity: a page evicted there goes here too). */
  private final Cache<RenderedPages.Rendered, Reply> replies =
      Caffeine.newBuilder()
          .executor(Runnable::run)
          .weakKeys()
          .<RenderedPages.Rendered, Reply>removalListener(
              (page, reply, cause) -> {
                if (reply != null) {
                  reply.release();
                }
              })
          .build();

  /**
   * Bodies from this long up to {@link #FILE_MAX} are sent from a file by sendfile (when {@link
   * #files} is set). Below it, the second system call costs more than the copy it saves.
   */
  static final int FILE_MIN = 64 * 1024;

  /**
   * Bodies longer than this stay in memory: on loopback a 1.7 MB page went out slower by sendfile
   * (the kernel splices it page by page) than by one copy (README "Speed").
   */
  static final int FILE_MAX = 1024 * 1024;

  /** Open page-body files at most: descriptors are for clients first. */
  static final int OPEN_LIMIT = 512;

  /**
   * Bytes in open page-body files at most: an evicted page's file is closed only once the garbage
   * collector has let its reply go, so this bounds the disk they may hold meanwhile.
   */
  static final long OPEN_BYTES_LIMIT = 256L * 1024 * 1024;

  private static final java.util.concurrent.atomic.AtomicInteger OPEN =
      new java.util.concurrent.atomic.AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicLong OPEN_BYTES =
      new java.util.concurrent.atomic.AtomicLong();

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PageReplies.class);

  /** Page-body files open now, and their bytes (for tests). */
  static int openFiles() {
    return OPEN.get();
  }

  static long openBytes() {
    return OPEN_BYTES.get();
  }

  /** Where large bodies are kept for sendfile; null to keep every body in memory (TLS). */
  private final @Nullable Path files;

  PageReplies(@Nullable Path files) {
    this.files = files;
  }

  private final ConcurrentHashMap<String, Optional<SimpleFormat>> accepts =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Boolean> encodings = new ConcurrentHashMap<>();

  /** A rendered page ready to write: both codings in direct memory, and their headers. */
  static final class Reply {
    private final @Nullable ByteBuf identity;
    private final @Nullable ByteBuf gzip;

    /** The bodies kept in files instead, sent by sendfile (large pages, without TLS). */
    private final @Nullable FileBody identityFile;

    private final @Nullable FileBody gzipFile;

    /**
     * The whole head of each coding, shared by every hit: read-only, so that no write to it can
     * reach another answer (a connection that needs headers of its own sends a copy).
     */
    private final HttpHeaders identityHeaders;

    private final HttpHeaders gzipHeaders;

    /** The decisions the audit log records for each serving of this page (README "Audit log"). */
    final List<FileDecision> audited;

    /** Their lines, built on the first serving (the rendering's key names project and policy). */
    private volatile AuditLog.@Nullable Group auditGroup;

    private volatile long refreshedAt = System.nanoTime();

    Reply(RenderedPages.Rendered page, SimpleFormat format, @Nullable Path files) {
      this.identityFile = FileBody.of(files, page.body());
      this.gzipFile = FileBody.of(files, page.gzip());
      this.identity = identityFile == null ? direct(page.body()) : null;
      this.gzip = gzipFile == null ? direct(page.gzip()) : null;
      var type =
          AsciiString.cached(format.mediaType() + (format.isJson() ? "" : "; charset=utf-8"));
      // A strong ETag per content-coding (README "HTTP"): the gzip body is other bytes.
      this.identityHeaders =
          headers(type, AsciiString.cached(page.etag()), page.body().length, false);
      this.gzipHeaders =
          headers(type, AsciiString.cached(page.gzipEtag()), page.gzip().length, true);
      this.audited =
          page.judged() == null
              ? List.of()
              : page.judged().files().stream()
                  .filter(f -> !f.decision().reasons().isEmpty())
                  .toList();
    }

    private static HttpHeaders headers(
        AsciiString type, AsciiString etag, int length, boolean gzip) {
      var h = new java.util.ArrayList<CharSequence>(14);
      h.add(HttpHeaderNames.CONTENT_TYPE);
      h.add(type);
      if (gzip) {
        h.add(HttpHeaderNames.CONTENT_ENCODING);
        h.add(GZIP);
      }
      h.add(HttpHeaderNames.ETAG);
      h.add(etag);
      h.add(HttpHeaderNames.VARY);
      h.add(VARY);
      h.add(HttpHeaderNames.CACHE_CONTROL);
      h.add(CACHE_CONTROL);
      h.add(HttpHeaderNames.CONTENT_LENGTH);
      h.add(AsciiString.of(Integer.toString(length)));
      h.add(HttpHeaderNames.SERVER);
      h.add(Exchange.SERVER_NAME);
      return new ReadOnlyHttpHeaders(false, h.toArray(CharSequence[]::new));
    }

    /**
     * Bytes the socket can write without a copy; never freed by a write, collected with the reply.
     */
    private static ByteBuf direct(byte[] bytes) {
      ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
      return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(b));
    }

    /**
     * Writes a response over the shared bytes, from the body's file by sendfile or from direct
     * memory, with the shared head where the connection needs no header of its own.
     */
    void send(Exchange ex, boolean gzipped) {
      HttpHeaders h = gzipped ? gzipHeaders : identityHeaders;
      FileBody file = gzipped ? gzipFile : identityFile;
      if (file != null) {
        ex.sendRegion(h, file.region(), file.length);
        return;
      }
      ex.sendShared(h, java.util.Objects.requireNonNull(gzipped ? gzip : identity).duplicate());
    }

    /** Lets go of the files (their descriptors close once the last send that uses them ends). */
    void release() {
      if (identityFile != null) {
        identityFile.release();
      }
      if (gzipFile != null) {
        gzipFile.release();
      }
    }

    /** Whether a hit should re-run the judgement's look-ups now (at most once per second). */
    boolean refreshDue() {
      long now = System.nanoTime();
      long last = refreshedAt;
      if (now - last < REFRESH_NANOS) {
        return false;
      }
      refreshedAt = now;
      return true;
    }
  }

  /**
   * A rendered body of {@link #FILE_MIN} to {@link #FILE_MAX} bytes in a file of its own, unlinked
   * as soon as it is written (nothing is left behind, whatever happens to the process), so that
   * each hit is one {@code sendfile} from the page cache rather than a copy of the bytes into the
   * socket (README "Speed"). Reference-counted: the reply holds one reference, each send in flight
   * another.
   */
  static final class FileBody extends AbstractReferenceCounted {
    private final FileChannel channel;
    final long length;

    private FileBody(FileChannel channel, long length) {
      this.channel = channel;
      this.length = length;
    }

    /** The body in a file under {@code dir}; null (keep it in memory) when it should not be. */
    static @Nullable FileBody of(@Nullable Path dir, byte[] bytes) {
      if (dir == null || bytes.length < FILE_MIN || bytes.length > FILE_MAX) {
        return null;
      }
      // Both counted before either is checked, so that a refusal takes back exactly what it added.
      int open = OPEN.incrementAndGet();
      long openBytes = OPEN_BYTES.addAndGet(bytes.length);
      if (open > OPEN_LIMIT || openBytes > OPEN_BYTES_LIMIT) {
        OPEN.decrementAndGet();
        OPEN_BYTES.addAndGet(-bytes.length);
        return null; // descriptors are for clients first, and the disk: the rest stay in memory
      }
      Path p = null;
      FileChannel ch = null;
      try {
        p = Files.createTempFile(dir, "page-", ".body");
        ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        var b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        return new FileBody(ch, bytes.length);
      } catch (IOException | RuntimeException e) {
        OPEN.decrementAndGet();
        OPEN_BYTES.addAndGet(-bytes.length);
        LOG.debug("page body kept in memory: {}", e.toString());
        closeQuietly(ch);
        return null;
      } finally {
        if (p != null) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            LOG.debug("cannot unlink {}: {}", p, e.toString());
          }
        }
      }
    }

    /** A region over the whole body for one send; it holds a reference until it is written. */
    FileRegion region() {
      retain();
      return new Region(this);
    }

    @Override
    protected void deallocate() {
      OPEN.decrementAndGet();
      OPEN_BYTES.addAndGet(-length);
      closeQuietly(channel);
    }

    @Override
    public FileBody touch(@Nullable Object hint) {
      return this;
    }

    private static void closeQuietly(@Nullable FileChannel ch) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException e) {
          LOG.debug("closing a page body: {}", e.toString());
        }
      }
    }
  }

  /**
   * One send of a {@link FileBody}: a {@link DefaultFileRegion} (so the epoll transport uses {@code
   * sendfile}) that gives its body's reference back instead of closing the shared file.
   */
  private static final class Region extends DefaultFileRegion {
    private final FileBody body;

    Region(FileBody body) {
      super(body.channel, 0, body.length);
      this.body = body;
    }

    @Override
    protected void deallocate() {
      body.release();
    }
  }

  /**
   * The reply of a rendered page, built on first use off the event loop (its bodies may be written
   * to files); on the event loop, only a reply already built (empty: take the ordinary path).
   */
  Optional<Reply> reply(Exchange ex, RenderedPages.Rendered page, SimpleFormat format) {
    if (ex.ctx.executor().inEventLoop()) {
      return Optional.ofNullable(replies.getIfPresent(page));
    }
    return Optional.of(reply(page, format));
  }

  /** The reply of a rendered page, built (off the event loop) on first use. */
  Reply reply(RenderedPages.Rendered page, SimpleFormat format) {
    return replies.get(page, p -> new Reply(p, format, files));
  }

  /**
   * Answers a project page from the caches when everything it depends on is at hand now; false when
   * the ordinary path must serve it. Runs on the event loop.
   */
  boolean answer(
      Exchange ex,
      RenderedPages rendered,
      AuditLog audit,
      Executor blocking,
      RequestHandler handler,
      CompletableFuture<UpstreamRouter.Resolved> resolved,
      PageJudge judge,
      SimpleFormat format,
      String base,
      ProjectName name) {
    if (!ex.method.equals(HttpMethod.GET)
        || ex.headers.contains(HttpHeaderNames.IF_NONE_MATCH)
        || !resolved.isDone()
        || resolved.isCompletedExceptionally()) {
      return false;
    }
    UpstreamRouter.Resolved r = resolved.getNow(null);
    if (r == null
        || !(r.lookup() instanceof PageLookup.Found<ProjectPage> found)
        || found.stale()) {
      return false;
    }
    String upstream = r.pages().upstream().name();
    String version = judge.version();
    Optional<RenderedPages.Rendered> page =
        rendered.cached(upstream, name.value(), found.page().version(), version, format, base);
    if (page.isEmpty()) {
      return false;
    }
    Optional<Reply> built = reply(ex, page.get(), format);
    if (built.isEmpty()) {
      return false;
    }
    Reply reply = built.get();
    reply.send(ex, acceptsGzip(ex.headers.get(HttpHeaderNames.ACCEPT_ENCODING)));
    if (!reply.audited.isEmpty()) {
      // Counted, not written: the audit log writes a decision's first serving and then counts
      // (README "Audit log"), so a judged hit costs a look-up here, not a line per blocked file.
      AuditLog.Group group = reply.auditGroup;
      if (group == null) {
        group = AuditLog.group("page", name.value(), reply.audited, version);
        reply.auditGroup = group;
      }
      audit.served(group, ex.remote(), ex.user);
    }
    if (reply.refreshDue()) {
      // What a rendering waits for (OSV answers, provenance verdicts) is kept current off the
      // event loop: a change there is a new judgement version, so the next request re-renders.
      // Started on the blocking pool: it walks every file of the page and reads verdicts, which
      // the event loop must not do; the waits themselves are composed futures (issue 13).
      blocking.execute(() -> handler.awaitAnswers(name, r));
    }
    return true;
  }

  /** {@link Negotiation#choose} without a {@code format} parameter, remembered per Accept value. */
  Optional<SimpleFormat> negotiate(String accept, Optional<String> formatParam) {
    if (formatParam.isPresent() || accept == null) {
      return Negotiation.choose(accept, formatParam);
    }
    Optional<SimpleFormat> known = accepts.get(accept);
    if (known != null) {
      return known;
    }
    Optional<SimpleFormat> chosen = Negotiation.choose(accept, formatParam);
    if (accepts.size() < MEMO_LIMIT) {
      accepts.put(accept, chosen);
    }
    return chosen;
  }

  /** {@link RequestHandler#acceptsGzip}, remembered per Accept-Encoding value. */
  boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    Boolean known = encodings.get(acceptEncoding);
    if (known != null) {
      return known;
    }
    boolean gzip = RequestHandler.acceptsGzip(acceptEncoding);
    if (encodings.size() < MEMO_LIMIT) {
      encodings.put(acceptEncoding, gzip);
    }
    return gzip;
  }
}
