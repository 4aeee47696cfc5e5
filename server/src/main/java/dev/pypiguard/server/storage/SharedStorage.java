package dev.pypiguard.server.storage;

import dev.pypiguard.core.cache.SharedBlobs;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.policy.attestation.PublisherMemory;
import dev.pypiguard.policy.rule.FileFirstSeen;
import dev.pypiguard.policy.rule.FirstSeen;
import dev.pypiguard.server.config.Storage;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store a replica shares with the others, when the config has {@code storage: {type: s3}}: the
 * bucket, and the bounded pool its blocking requests run on (reads of large artifacts hold a thread
 * while they stream). With the default filesystem storage there is none, and everything stays in
 * {@code cache-dir}.
 */
public final class SharedStorage implements AutoCloseable {
  private static final int THREADS = 32;

  private final Optional<S3ObjectStore> store;
  private final Optional<ExecutorService> io;
  private final Optional<SharedBlobs> blobs;

  private SharedStorage(Optional<S3ObjectStore> store, Optional<ExecutorService> io) {
    this.store = store;
    this.io = io;
    this.blobs = store.map(s -> new SharedBlobs(s, io.orElseThrow()));
    // Files fetched while the store was away are uploaded once it answers again.
    blobs.ifPresent(b -> store.get().onReachableAgain(b::retryBacklog));
  }

  /** Opens the configured storage; see {@link S3ObjectStore#open} for what fails at once. */
  public static SharedStorage open(Storage storage, MeterRegistry registry) {
    if (!(storage instanceof Storage.S3 s3)) {
      return new SharedStorage(Optional.empty(), Optional.empty());
    }
    S3ObjectStore store = S3ObjectStore.open(s3, registry);
    var n = new AtomicInteger();
    var pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000),
            r -> {
              Thread t = new Thread(r, "pypi-guard-store-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return new SharedStorage(Optional.of(store), Optional.of(pool));
  }

  /** The shared store, when there is one. */
  public Optional<ObjectStore> store() {
    return store.map(s -> s);
  }

  /** The shared artifacts, when there is a shared store. */
  public Optional<SharedBlobs> blobs() {
    return blobs;
  }

  /**
   * Where first sightings are kept: {@code <cacheDir>/first-seen.tsv}, behind the shared store when
   * there is one.
   */
  public FirstSeen firstSeen(Path cacheDir) {
    var local = new FileFirstSeen(cacheDir.resolve("first-seen.tsv"));
    return store.<FirstSeen>map(s -> new SharedFirstSeen(s, local)).orElse(local);
  }

  /**
   * The sha256 each file name was first seen with: {@code <cacheDir>/known-files.tsv}, shared with
   * the other replicas when there is a shared store (README §Fail closed).
   */
  public dev.pypiguard.policy.rule.KnownFiles knownFiles(Path cacheDir) {
    var local = new dev.pypiguard.policy.rule.FileKnownFiles(cacheDir.resolve("known-files.tsv"));
    return store
        .<dev.pypiguard.policy.rule.KnownFiles>map(
            s -> new SharedKnownFiles(s, local, io.orElseThrow()))
        .orElse(local);
  }

  /** The publishers remembered for {@code publisher-change}, when there is a shared store. */
  public Optional<PublisherMemory.Shared> publishers() {
    return store.map(SharedPublishers::new);
  }

  /** Lines for {@code /healthz}: none without a shared store. */
  public List<String> health() {
    return store.map(s -> List.of(s.health())).orElse(List.of());
  }

  @Override
  public void close() {
    io.ifPresent(ExecutorService::shutdown);
    store.ifPresent(S3ObjectStore::close);
  }
}
