package dev.pypiguard.server.policy;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.policy.rule.MetadataRule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The core metadata files in the store, as the {@code metadata} rule reads them (README §Fail
 * closed), advertised by the upstream or generated from a wheel. Its generation changes each time a
 * metadata file is first noticed stored, so that cached pages are judged again with it.
 */
public final class StoredMetadata implements MetadataRule.Source {
  /** Core metadata is a few KiB; a bigger file is read no further than this. */
  private static final long LIMIT = 1 << 20;

  private volatile Function<Sha256, Optional<Path>> store = key -> Optional.empty();
  private final AtomicLong generation = new AtomicLong();
  private final Set<String> noticed = ConcurrentHashMap.newKeySet();
  private volatile Function<String, Optional<String>> generated = wheel -> Optional.empty();
  private volatile Verified verified = key -> Optional.empty();

  /**
   * How long a failed read of a file's core metadata holds the file on pages: a download of it
   * tries again at once, a page lists it again after this.
   */
  public static final Duration UNREADABLE_HOLD = Duration.ofSeconds(30);

  /**
   * Files whose metadata could not be read, by the key of {@link MetadataRule.Source#unreadable};
   * bounded, as a hostile page is not.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, MetadataRule.Unreadable>
      unreadable =
          com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
              .maximumSize(10_000)
              .expireAfterWrite(UNREADABLE_HOLD)
              .build();

  private final Clock clock;

  public StoredMetadata() {
    this(Clock.systemUTC());
  }

  public StoredMetadata(Clock clock) {
    this.clock = clock;
  }

  /** Opens the bytes of a file verified in a download that may not be kept yet. */
  @FunctionalInterface
  public interface Verified {
    Optional<FileChannel> open(Sha256 key) throws IOException;
  }

  /** Reads from {@code store} from now on (the store is built after the policy). */
  public void use(FileSystemBlobStore store) {
    this.store = store::find;
  }

  /** Reads, never writes, the store under {@code blobs} (a server's, from a command). */
  public void useReadOnly(Path blobs) {
    this.store = key -> FileSystemBlobStore.findIn(blobs, key);
  }

  /**
   * Reads also the metadata files that {@code verified} opens: verified in their download, before
   * they are forced to disk and kept (README "Speed"), so that a file judged with its new metadata
   * does not wait for the disk.
   */
  public void useVerified(Verified verified) {
    this.verified = verified;
  }

  /**
   * Reads which metadata was generated from which wheel (README "Core metadata for every wheel")
   * from {@code generated} from now on: wheel sha256 to metadata sha256.
   */
  public void useGenerated(Function<String, Optional<String>> generated) {
    this.generated = generated;
  }

  /** Says that a wheel's generated metadata became known or changed: pages are judged again. */
  public void generatedChanged() {
    generation.incrementAndGet();
  }

  @Override
  public Optional<String> generated(dev.pypiguard.core.blob.Sha256 fileSha256) {
    return generated.apply(fileSha256.hex());
  }

  /** Says that the metadata file with this sha256 is now stored; idempotent. */
  public void noticed(String sha256) {
    if (noticed.add(sha256)) {
      generation.incrementAndGet();
    }
  }

  /**
   * Says that a file's core metadata could not be read ({@code why}, a user's words): the {@code
   * metadata} rule holds the file for {@link #UNREADABLE_HOLD}. {@code file} is the key of {@link
   * MetadataRule.Source#unreadable}.
   */
  public void unreadable(String file, String why) {
    var u = new MetadataRule.Unreadable(why, clock.instant().plus(UNREADABLE_HOLD));
    if (unreadable.asMap().put(file, u) == null) {
      generation.incrementAndGet();
    }
  }

  /** Says that a file's core metadata was read: it no longer holds the file. */
  public void readable(String file) {
    if (unreadable.asMap().remove(file) != null) {
      generation.incrementAndGet();
    }
  }

  @Override
  public Optional<MetadataRule.Unreadable> unreadable(String key) {
    return Optional.ofNullable(unreadable.getIfPresent(key));
  }

  @Override
  public Optional<String> text(String metadataSha256) {
    Optional<Sha256> sha = Sha256.parse(metadataSha256);
    if (sha.isEmpty()) {
      return Optional.empty();
    }
    Optional<Path> p = store.apply(sha.get());
    if (p.isPresent()) {
      return read(p.get());
    }
    try {
      Optional<FileChannel> ch = verified.open(sha.get());
      if (ch.isPresent()) {
        try (FileChannel c = ch.get()) {
          return read(c);
        }
      }
    } catch (IOException e) {
      // gone meanwhile: kept (then in the store) or failed
    }
    // Kept meanwhile: its download has ended, and its partial file is the stored one.
    return store.apply(sha.get()).flatMap(StoredMetadata::read);
  }

  private static Optional<String> read(Path p) {
    try {
      if (Files.size(p) > LIMIT) {
        return Optional.empty();
      }
      return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> read(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size > LIMIT) {
      return Optional.empty();
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    while (buf.hasRemaining()) {
      if (ch.read(buf, buf.position()) < 0) {
        return Optional.empty();
      }
    }
    return Optional.of(new String(buf.array(), StandardCharsets.UTF_8));
  }

  @Override
  public String generation() {
    return Long.toString(generation.get());
  }
}
