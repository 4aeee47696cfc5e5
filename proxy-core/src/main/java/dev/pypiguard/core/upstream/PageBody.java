package dev.pypiguard.core.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects an index page's body with three bounds: at most {@code max} bytes, complete before a
 * deadline, and the bytes of all pages being read at once within a share of the heap, so that
 * neither one endless or dripped page nor many huge ones at once can cost the server its memory or
 * its threads (README, "Hostile upstreams and clients").
 */
final class PageBody implements HttpResponse.BodySubscriber<byte[]> {
  /** Bytes held by pages being read now, in this process. */
  private static final AtomicLong IN_FLIGHT = new AtomicLong();

  /** A quarter of the heap for page bodies in flight. */
  static final long BUDGET = Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);

  private final long max;
  private final long deadlineNanos;
  private final ScheduledExecutorService timer;
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private long held;
  private Flow.Subscription subscription;
  private ScheduledFuture<?> alarm;

  PageBody(long max, long deadlineNanos, ScheduledExecutorService timer) {
    this.max = max;
    this.deadlineNanos = deadlineNanos;
    this.timer = timer;
  }

  /** Bytes held by pages being read now (for tests). */
  static long inFlight() {
    return IN_FLIGHT.get();
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public synchronized void onSubscribe(Flow.Subscription s) {
    subscription = s;
    long left = deadlineNanos - System.nanoTime();
    alarm =
        timer.schedule(
            () -> fail(new HttpTimeoutException("page not complete within timeouts.read")),
            Math.max(0, left),
            TimeUnit.NANOSECONDS);
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    synchronized (this) {
      if (body.isDone()) {
        return;
      }
      long n = 0;
      for (ByteBuffer b : items) {
        n += b.remaining();
      }
      if (held + n > max) {
        failLocked(new IOException("page larger than " + max + " bytes (limits.page-size)"));
        return;
      }
      if (IN_FLIGHT.addAndGet(n) > BUDGET) {
        IN_FLIGHT.addAndGet(-n);
        failLocked(new IOException("too many large pages are being read at once"));
        return;
      }
      held += n;
      for (ByteBuffer b : items) {
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable t) {
    fail(t);
  }

  @Override
  public synchronized void onComplete() {
    if (body.isDone()) {
      return;
    }
    release();
    body.complete(bytes.toByteArray());
  }

  private synchronized void fail(Throwable t) {
    failLocked(t);
  }

  private void failLocked(Throwable t) {
    if (body.isDone()) {
      return;
    }
    release();
    if (subscription != null) {
      subscription.cancel();
    }
    body.completeExceptionally(t);
  }

  private void release() {
    if (alarm != null) {
      alarm.cancel(false);
    }
    IN_FLIGHT.addAndGet(-held);
    held = 0;
  }
}
