package dev.pypiguard.core.cache;

import dev.pypiguard.core.blob.BlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.upstream.UpstreamClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The downloads in flight, one per blob: concurrent misses for the same digest share a single
 * upstream fetch (single flight), and a finished download leaves the map.
 */
public final class Downloads {
  private final BlobStore store;
  private final ConcurrentHashMap<Sha256, Download> inFlight = new ConcurrentHashMap<>();
  private final java.util.function.Consumer<Download> onStart;
  private final Optional<SharedBlobs> shared;
  private final boolean offline;
  private final long maxUndeclared;

  /** The limit of a download whose page declares no size, unless one is configured. */
  public static final long DEFAULT_MAX_UNDECLARED = 4L * 1024 * 1024 * 1024;

  /** {@code onStart} sees each upstream download once, as it starts (for logs and metrics). */
  public Downloads(BlobStore store, java.util.function.Consumer<Download> onStart) {
    this(store, onStart, Optional.empty(), false, DEFAULT_MAX_UNDECLARED);
  }

  /**
   * Downloads that look in {@code shared} before the upstream, and keep there what they fetched
   * from the upstream once it is verified; when {@code offline}, only in {@code shared}. A download
   * whose page declares no size takes at most {@code maxUndeclared} bytes.
   */
  public Downloads(
      BlobStore store,
      java.util.function.Consumer<Download> onStart,
      Optional<SharedBlobs> shared,
      boolean offline,
      long maxUndeclared) {
    this.store = store;
    this.onStart = onStart;
    this.shared = shared;
    this.offline = offline;
    this.maxUndeclared = maxUndeclared;
  }

  /**
   * Returns the running download of {@code key}, or starts one from {@code url} through {@code
   * via}; {@code fromUpstream} sees it when it is a new one that goes to the upstream (not one
   * joined, nor one filled from the shared store). The caller checks the store first; a blob
   * published meanwhile is simply downloaded no more.
   */
  public Download fetch(
      Sha256 key,
      String filename,
      URI url,
      OptionalLong declaredSize,
      Set<String> allowedHosts,
      Consumer<HttpRequest.Builder> decorate,
      UpstreamClient via,
      Consumer<Download> fromUpstream) {
    boolean[] started = {false};
    // A download that failed is not joined, even before its completion has removed it here.
    Download d =
        inFlight.compute(
            key,
            (k, running) -> {
              if (running != null && !running.result().isCompletedExceptionally()) {
                return running;
              }
              try {
                started[0] = true;
                return new Download(
                    k, filename, store.create(k), declaredSize, maxUndeclared, this::find);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    if (started[0]) {
      d.result().whenComplete((p, e) -> inFlight.remove(key, d));
      Runnable upstream =
          () -> {
            onStart.accept(d);
            fromUpstream.accept(d);
            via.download(url, allowedHosts, decorate, d);
          };
      if (shared.isEmpty()) {
        upstream.run();
        return d;
      }
      SharedBlobs s = shared.get();
      s.fill(key, d)
          .whenComplete(
              (filled, e) -> {
                if (Boolean.TRUE.equals(filled)) {
                  d.result()
                      .whenComplete(
                          (p, failure) -> {
                            if (failure instanceof dev.pypiguard.core.blob.IntegrityException) {
                              s.forget(key);
                            }
                          });
                  return;
                }
                if (offline) {
                  d.notCached("is not in the cache nor the shared store, and the proxy is offline");
                  return;
                }
                d.result().thenAccept(p -> s.keep(key, p));
                upstream.run();
              });
    }
    return d;
  }

  private Optional<java.nio.file.Path> find(Sha256 key) {
    try {
      return store.find(key);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The download of {@code key} running now, if one is. */
  public Optional<Download> running(Sha256 key) {
    return Optional.ofNullable(inFlight.get(key));
  }

  /**
   * Opens the bytes of {@code key}'s running download once they are verified, whether or not they
   * are kept yet (the channel reads the kept file after the rename).
   */
  public Optional<java.nio.channels.FileChannel> openVerified(Sha256 key) throws IOException {
    Download d = inFlight.get(key);
    return d != null && d.verified() ? Optional.of(d.openReader()) : Optional.empty();
  }

  /** The downloads running now. */
  public Collection<Download> running() {
    return inFlight.values();
  }

  public int count() {
    return inFlight.size();
  }
}
