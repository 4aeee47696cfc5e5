package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.cache.Download;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Sends artifact bodies: a stored blob zero-copy (a {@link DefaultFileRegion}, or chunks read from
 * the file behind TLS) with ETag, 304 and single byte ranges; or a download in progress, following
 * its file as it grows, one chunk in flight per client so memory stays flat.
 */
final class FileSender {
  private static final int CHUNK = 256 * 1024;

  /** What a file response says about the bytes. */
  record Meta(String sha256, String contentType, String cacheControl) {
    String etag() {
      return "\"" + sha256 + "\"";
    }
  }

  private final FileSystemBlobStore store;
  private final Executor blocking;
  private final boolean tls;

  /**
   * @param store the artifact store (a file being sent is pinned there)
   * @param blocking the executor that opens and reads files
   * @param tls whether clients reach us over TLS (file bodies cannot then be zero-copy)
   */
  FileSender(FileSystemBlobStore store, Executor blocking, boolean tls) {
    this.store = store;
    this.blocking = blocking;
    this.tls = tls;
  }

  /**
   * Serves a stored file. It is opened on this thread when it may block (a pool thread, as a hit's
   * reply mostly completes on one), else on the blocking executor: a hop less for each hit.
   */
  void sendStored(Exchange ex, Path file, Meta meta) {
    if (notModified(ex, meta)) {
      return;
    }
    // Pinned while it is being sent, so that cache eviction leaves it alone.
    var key = new dev.pypiguard.core.blob.Sha256(meta.sha256());
    store.pin(key);
    store.touch(key);
    Runnable release = () -> store.unpin(key);
    Runnable open =
        () -> {
          FileChannel ch;
          long length;
          try {
            ch = FileChannel.open(file);
            length = ch.size();
          } catch (IOException e) {
            release.run();
            ex.send(
                Exchange.text(
                    HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot read cached file: " + e.getMessage()));
            return;
          }
          ex.onLoop(() -> writeStored(ex, ch, length, meta, release));
        };
    if (mayBlock()) {
      open.run();
    } else {
      blocking.execute(open);
    }
  }

  /**
   * Whether this thread may wait for the disk: not an event loop (of any connection) nor a thread
   * of the common fork-join pool. The others that get here (the blocking pool, the upstream
   * client's threads that also force downloads to disk) may.
   */
  static boolean mayBlock() {
    Thread t = Thread.currentThread();
    return !(t instanceof io.netty.util.concurrent.FastThreadLocalThread)
        && !(t instanceof java.util.concurrent.ForkJoinWorkerThread);
  }

  private static boolean notModified(Exchange ex, Meta meta) {
    String inm = ex.headers.get(HttpHeaderNames.IF_NONE_MATCH);
    if (inm != null && etagMatches(inm, meta.etag())) {
      var r = Exchange.text(HttpResponseStatus.NOT_MODIFIED, "");
      r.content().clear();
      r.headers().set(HttpHeaderNames.ETAG, meta.etag());
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, meta.cacheControl());
      r.headers().remove(HttpHeaderNames.CONTENT_TYPE);
      ex.send(r);
      return true;
    }
    return false;
  }

  static boolean etagMatches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals("*") || c.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private void writeStored(Exchange ex, FileChannel ch, long length, Meta meta, Runnable release) {
    long start = 0;
    long end = length - 1;
    HttpResponseStatus status = HttpResponseStatus.OK;
    String range = ex.headers.get(HttpHeaderNames.RANGE);
    String ifRange = ex.headers.get(HttpHeaderNames.IF_RANGE);
    if (range != null && (ifRange == null || ifRange.trim().equals(meta.etag()))) {
      ByteRange.Answer answer = ByteRange.parse(range, length);
      if (answer instanceof ByteRange.Unsatisfiable) {
        close(ch);
        release.run();
        var r =
            Exchange.text(
                HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "range not satisfiable");
        r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
        ex.send(r);
        return;
      }
      if (answer instanceof ByteRange.Part part) {
        start = part.range().start();
        end = part.range().end();
        status = HttpResponseStatus.PARTIAL_CONTENT;
      }
    }
    long count = end - start + 1;
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    headers(r, meta);
    HttpUtil.setContentLength(r, Math.max(0, count));
    if (status == HttpResponseStatus.PARTIAL_CONTENT) {
      r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + length);
    }
    ex.prepare(r);
    if (ex.head() || length == 0) {
      close(ch);
      release.run();
      ex.ctx.write(r);
      ex.finish(ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
      return;
    }
    boolean corked = !tls && ex.cork();
    ex.ctx.write(r);
    ex.bytes = count;
    ChannelFuture last;
    if (tls) {
      try {
        last =
            ex.ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(ch, start, count, CHUNK)));
      } catch (IOException e) {
        close(ch);
        release.run();
        ex.abort("cannot read cached file: " + e.getMessage());
        return;
      }
    } else {
      ex.ctx
          .write(new DefaultFileRegion(ch, start, count))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ex.delivered = true;
                }
              });
      last = ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      if (corked) {
        ex.uncorkWhen(last);
      }
    }
    last.addListener(
        f -> {
          close(ch);
          release.run();
        });
    ex.finish(last);
  }

  private static void headers(HttpResponse r, Meta meta) {
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, meta.contentType());
    r.headers().set(HttpHeaderNames.ETAG, meta.etag());
    r.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, meta.cacheControl());
  }

  private static void close(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing a read-only channel cannot lose data
    }
  }

  /** {@link #sendDownload}'s {@code streamAfter} for a reply that needs the stored file. */
  static final long STORED_FIRST = Long.MAX_VALUE;

  /**
   * Streams a download in progress (README "How it works", {@code cache.stream-after}). A file
   * whose page declares at most {@code streamAfter} bytes is verified whole before its first byte,
   * which then goes out at once, before the file is forced to disk and kept; a longer one starts
   * with its first byte, since its last is held back until the digest matched anyway; one whose
   * page declares no size starts once more than {@code streamAfter} bytes arrived, whatever its
   * Content-Length claims, or once verified. With {@link #STORED_FIRST} nothing is sent before the
   * file is stored: {@code onComplete} answers. A download that fails before the response starts
   * answers {@code onFailure}, and one that fails after has its connection closed, so a client
   * never takes a short or wrong body for a whole one.
   */
  void sendDownload(
      Exchange ex,
      Download d,
      Meta meta,
      long streamAfter,
      Runnable onComplete,
      java.util.function.Consumer<Throwable> onFailure) {
    // The ETag is the page's sha256, known before a byte arrives: a client that has those bytes is
    // told so whether or not the proxy has kept them yet. Not before the stored file for one that
    // waits for it (an inspection must first pass): that one answers from the store.
    if (streamAfter != STORED_FIRST && notModified(ex, meta)) {
      return;
    }
    var started = new AtomicBoolean();
    var check =
        new Runnable() {
          /** As a progress listener: on the download's thread, before it goes on. */
          @Override
          public void run() {
            decide(true);
          }

          void decide(boolean listening) {
            boolean done = d.result().isDone();
            boolean ready;
            if (streamAfter == STORED_FIRST) {
              ready = false; // ranges and inspection work on the stored file
            } else if (d.verified()) {
              // Whole and its digest matched: sent from the partial file while it is forced to
              // disk and renamed into the store, so that a small file does not wait for the disk.
              ready = true;
            } else if (d.declaredSize().isPresent()) {
              // A file the page declares small is verified whole before its first byte; a larger
              // one waits for nothing more than its first byte.
              ready = d.declaredSize().getAsLong() > streamAfter && d.written() > 0;
            } else {
              // Without the page's size only bytes that arrived count, never the upstream's
              // Content-Length: a lying host could otherwise turn the clean 502 of a small bad
              // file into a cut response.
              ready = d.written() > streamAfter;
            }
            if (!done && !ready) {
              return;
            }
            if (!started.compareAndSet(false, true)) {
              return;
            }
            d.removeListener(this);
            if (done) {
              if (d.result().isCompletedExceptionally()) {
                d.result().whenComplete((p, e) -> onFailure.accept(e));
              } else {
                onComplete.run();
              }
              return;
            }
            var follower = new Follower(ex, blocking, tls, d, meta, onComplete, onFailure);
            if (listening) {
              // The download waits for this listener: the partial file is opened before the
              // download can go on to keep it (or, failing that, delete it), so that verified
              // bytes reach the client whatever happens to the cache entry. Opening a file is
              // what the download's own thread does anyway; the event loop never runs this.
              follower.open();
            } else {
              blocking.execute(follower::open);
            }
          }
        };
    d.onProgress(check);
    check.decide(false);
  }

  /** A file region that leaves its channel open when released: the channel is shared. */
  private static final class SharedChannelRegion extends DefaultFileRegion {
    SharedChannelRegion(FileChannel ch, long position, long count) {
      super(ch, position, count);
    }

    @Override
    protected void deallocate() {
      // The follower closes the channel once its last region is written.
    }
  }

  /** Follows a growing file: read a chunk off the loop, write it, and on completion read again. */
  private static final class Follower implements Runnable {
    private final Exchange ex;
    private final Executor blocking;
    private final boolean tls;
    private final Download d;
    private final Meta meta;
    private final Runnable onComplete;
    private final java.util.function.Consumer<Throwable> onFailure;
    private final AtomicBoolean waiting = new AtomicBoolean();
    private @Nullable FileChannel ch;
    private long pos;
    private long contentLength = -1; // set on the event loop before the first write

    Follower(
        Exchange ex,
        Executor blocking,
        boolean tls,
        Download d,
        Meta meta,
        Runnable onComplete,
        java.util.function.Consumer<Throwable> onFailure) {
      this.ex = ex;
      this.blocking = blocking;
      this.tls = tls;
      this.d = d;
      this.meta = meta;
      this.onComplete = onComplete;
      this.onFailure = onFailure;
    }

    /** Opens the partial file (blocking), then sends the headers and the bytes from the loop. */
    void open() {
      try {
        ch = d.openReader();
      } catch (IOException e) {
        // The download ended meanwhile: failed, its partial file gone with it, or kept, the
        // partial file now the stored one. Nothing is sent yet: its end answers.
        d.result()
            .whenComplete(
                (p, failure) -> {
                  if (failure != null) {
                    onFailure.accept(failure);
                  } else {
                    onComplete.run();
                  }
                });
        return;
      }
      ex.onLoop(
          () -> {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            headers(r, meta);
            if (d.length().isPresent()) {
              contentLength = d.length().getAsLong();
            } else if (d.verified()) {
              contentLength = d.written(); // whole: no more bytes can come
            }
            if (contentLength >= 0) {
              HttpUtil.setContentLength(r, contentLength);
            } else {
              HttpUtil.setTransferEncodingChunked(r, true);
            }
            ex.prepare(r);
            if (d.verified() && !tls && contentLength > 0) {
              sendWhole(r);
              return;
            }
            ex.ctx.writeAndFlush(r);
            d.onProgress(this);
            pump();
          });
    }

    /**
     * A download verified before its response began (a small file): its head, its bytes by {@code
     * sendfile} and its end in one go from the loop, as a stored file's, with no round of reads
     * through the pool.
     */
    private void sendWhole(HttpResponse r) {
      FileChannel shared = java.util.Objects.requireNonNull(ch, "opened before the response");
      boolean corked = ex.cork();
      ex.ctx.write(r);
      pos = contentLength;
      ex.bytes = contentLength;
      ex.ctx
          .write(new SharedChannelRegion(shared, 0, contentLength))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ex.delivered = true;
                }
              });
      ChannelFuture last = ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      if (corked) {
        ex.uncorkWhen(last);
      }
      last.addListener(f -> cleanup());
      ex.finish(last);
    }

    /** Progress listener: wakes a follower that ran out of bytes. */
    @Override
    public void run() {
      if (waiting.compareAndSet(true, false)) {
        pump();
      }
    }

    private void pump() {
      blocking.execute(this::step);
    }

    private void step() {
      if (!ex.ctx.channel().isActive()) {
        cleanup();
        ex.abort("client went away");
        return;
      }
      long available = d.releasable();
      if (pos < available && !tls) {
        sendRegion(available);
        return;
      }
      if (pos < available) {
        int n = (int) Math.min(CHUNK, available - pos);
        ByteBuf buf = ex.ctx.alloc().buffer(n);
        try {
          int read = buf.writeBytes(ch, pos, n);
          if (read <= 0) {
            throw new IOException("unexpected end of partial file");
          }
          pos += read;
        } catch (IOException e) {
          buf.release();
          cleanup();
          ex.abort("reading partial file: " + e.getMessage());
          return;
        }
        ex.bytes = pos;
        long sent = pos;
        ex.ctx
            .writeAndFlush(new DefaultHttpContent(buf))
            .addListener(f -> written(f.isSuccess(), sent));
        return;
      }
      // Verified: every byte is sent, even if keeping the file in the cache fails afterwards.
      if (d.verified()) {
        if (pos >= d.written()) {
          cleanup();
          ex.onLoop(() -> ex.finish(ex.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)));
          return;
        }
        pump();
        return;
      }
      if (d.result().isDone()) {
        cleanup();
        ex.abort("upstream download failed after the response started");
        return;
      }
      waiting.set(true);
      // Progress may have happened between the check and the flag: look once more.
      if ((d.releasable() > pos || d.verified() || d.result().isDone())
          && waiting.compareAndSet(true, false)) {
        pump();
      }
    }

    /**
     * Without TLS, everything released so far goes out in one write by {@code sendfile} from the
     * partial file (README "Speed"): no copy, no memory per client, one hop per write instead of
     * one per chunk. Every region reads through the follower's one channel, opened at the start (an
     * open channel survives the rename into the store), which the follower closes at the end.
     */
    private void sendRegion(long available) {
      FileChannel shared = java.util.Objects.requireNonNull(ch, "opened before the first step");
      long from = pos;
      pos = available;
      ex.bytes = available;
      ex.ctx
          .writeAndFlush(new SharedChannelRegion(shared, from, available - from))
          .addListener(f -> written(f.isSuccess(), available));
    }

    /** After a write of the bytes up to {@code sent}: the next one, or the end of a failed one. */
    private void written(boolean success, long sent) {
      if (success) {
        if (sent == contentLength) {
          ex.delivered = true; // every byte of a Content-Length body is with the client
        }
        pump();
      } else {
        cleanup();
        ex.abort("client write failed");
      }
    }

    private void cleanup() {
      d.removeListener(this);
      if (ch != null) {
        close(ch);
      }
    }
  }
}
