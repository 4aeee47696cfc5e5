package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.upstream.PageFetch;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.rule.KnownFiles;
import dev.pypiguard.policy.rule.PolicyJudge;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code files.weak-hashes: verify-and-pin} (README §Fail closed): a file the upstream gives only a
 * weak hash for (md5, sha1, ...) is downloaded once, checked against that hash, stored by its
 * sha256, and the sha256 pinned in the name→sha256 memory for ever; from then on it is served and
 * verified like any file. Until then it is held. One verification per file name at a time; a file
 * whose bytes do not match its hash is not tried again for {@link #RETRY_AFTER}.
 */
final class WeakHashPins {
  private static final Logger LOG = LoggerFactory.getLogger(WeakHashPins.class);
  private static final Duration RETRY_AFTER = Duration.ofMinutes(10);

  private final KnownFiles known;
  private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
  private final Map<String, Long> failedAt = new ConcurrentHashMap<>();

  WeakHashPins(KnownFiles known) {
    this.known = known;
  }

  /** The JDK algorithm for a weak hash name a page may use. */
  static Optional<String> algorithm(String name) {
    return Optional.ofNullable(
        switch (name) {
          case "md5" -> "MD5";
          case "sha1" -> "SHA-1";
          case "sha224" -> "SHA-224";
          case "sha384" -> "SHA-384";
          case "sha512" -> "SHA-512";
          default -> null;
        });
  }

  /**
   * Verifies and pins every file of {@code page} that needs it under the policy in force; completes
   * (never exceptionally) when they are done or {@code wait} passed.
   */
  CompletableFuture<Void> prefetch(
      PageJudge judge,
      FileSystemBlobStore store,
      boolean offline,
      Executor blocking,
      PageCache pages,
      ProjectPage page,
      Duration wait) {
    if (!(judge instanceof PolicyJudge j)
        || j.policy().files().weakHashes() != Policy.WeakHashes.VERIFY_AND_PIN) {
      return CompletableFuture.completedFuture(null);
    }
    var started = new ArrayList<CompletableFuture<Void>>();
    for (FileEntry f : page.files()) {
      if (f.sha256().isPresent() || known.pinned(f.filename()).isPresent()) {
        continue;
      }
      Optional<Map.Entry<String, String>> weak =
          f.hashes().entrySet().stream().filter(e -> algorithm(e.getKey()).isPresent()).findFirst();
      Long failed = failedAt.get(f.filename());
      if (weak.isEmpty()
          || (failed != null && System.nanoTime() - failed < RETRY_AFTER.toNanos())) {
        continue;
      }
      started.add(
          running.computeIfAbsent(
              f.filename(),
              k ->
                  verify(store, offline, blocking, pages, page.name(), f, weak.get())
                      .whenComplete((ok, e) -> running.remove(k))));
    }
    if (started.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
        .handle((ok, e) -> (Void) null)
        .completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<Void> verify(
      FileSystemBlobStore store,
      boolean offline,
      Executor blocking,
      PageCache pages,
      String project,
      FileEntry f,
      Map.Entry<String, String> weak) {
    if (offline) {
      return CompletableFuture.completedFuture(null);
    }
    URI url;
    try {
      url = URI.create(f.url());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(null);
    }
    return pages
        .client()
        .page(
            url,
            "*/*",
            Optional.empty(),
            pages.upstream().allowedHosts(),
            pages.upstream().decorateFor(url))
        .thenAcceptAsync(
            r -> {
              if (!(r instanceof PageFetch.Fetched got)) {
                LOG.warn("weak-hashes: cannot fetch {} to verify it: {}", f.filename(), r);
                return;
              }
              byte[] bytes = got.body();
              String actual;
              try {
                actual =
                    HexFormat.of()
                        .formatHex(
                            MessageDigest.getInstance(algorithm(weak.getKey()).orElseThrow())
                                .digest(bytes));
              } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
              }
              if (!actual.equalsIgnoreCase(weak.getValue())) {
                failedAt.put(f.filename(), System.nanoTime());
                LOG.warn(
                    "weak-hashes: {} does not match its {} {} (got {}); not pinned",
                    f.filename(),
                    weak.getKey(),
                    weak.getValue(),
                    actual);
                return;
              }
              Sha256 sha = Sha256.of(bytes);
              try (BlobWriter w = store.create(sha)) {
                w.append(ByteBuffer.wrap(bytes));
                w.commit(bytes.length);
              } catch (java.io.IOException e) {
                LOG.warn("weak-hashes: cannot store {}: {}", f.filename(), e.toString());
                return;
              }
              String pinned =
                  known.pinVerified(
                      dev.pypiguard.core.project.ProjectName.normalize(project),
                      f.filename(),
                      sha.hex());
              LOG.info(
                  "weak-hashes: {} verified by {} and pinned as sha256 {}",
                  f.filename(),
                  weak.getKey(),
                  pinned);
            },
            blocking);
  }
}
