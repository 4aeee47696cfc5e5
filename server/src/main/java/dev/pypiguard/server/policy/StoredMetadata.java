package dev.pypiguard.server.policy;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.policy.rule.MetadataRule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
  /**
   * The longest header section read: the generated metadata of a wheel may be this long
   * (WheelZip.MAX_METADATA), and one longer is unreadable rather than judged without it.
   */
  private static final long LIMIT = dev.pypiguard.core.project.WheelZip.MAX_METADATA;

  private static final int CHUNK = 64 * 1024;

  /** Stored metadata files whose header section is longer than {@link #LIMIT}: why. */
  private final com.github.benmanes.caffeine.cache.Cache<String, String> tooLong =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();

  private volatile Function<Sha256, Optional<Path>> store = key -> Optional.empty();
  private final AtomicLong generation = new AtomicLong();
  private final dev.pypiguard.policy.rule.Labels label = new dev.pypiguard.policy.rule.Labels("");
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
    if (p.isEmpty()) {
      try {
        Optional<FileChannel> ch = verified.open(sha.get());
        if (ch.isPresent()) {
          try (FileChannel c = ch.get()) {
            return headers(metadataSha256, c);
          }
        }
      } catch (IOException e) {
        // gone meanwhile: kept (then in the store) or failed
      }
      // Kept meanwhile: its download has ended, and its partial file is the stored one.
      p = store.apply(sha.get());
    }
    if (p.isEmpty()) {
      return Optional.empty();
    }
    try (FileChannel c = FileChannel.open(p.get())) {
      return headers(metadataSha256, c);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<String> whyUnreadable(String metadataSha256) {
    return Optional.ofNullable(tooLong.getIfPresent(metadataSha256));
  }

  /**
   * The file's text up to the end of its header section (the first blank line; the rule reads no
   * further), read {@value #CHUNK} bytes at a time: a long description costs nothing, and a header
   * section longer than {@link #LIMIT} is noted for {@link #whyUnreadable} instead of read.
   */
  private Optional<String> headers(String key, FileChannel ch) throws IOException {
    var out = new Bytes();
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    long at = 0;
    while (true) {
      buf.clear();
      int n = ch.read(buf, at);
      if (n < 0) {
        return Optional.of(out.toString(StandardCharsets.UTF_8));
      }
      int from = Math.max(0, out.size() - 2);
      out.write(buf.array(), 0, n);
      at += n;
      if (out.blankLineFrom(from)) {
        return Optional.of(out.toString(StandardCharsets.UTF_8));
      }
      if (at > LIMIT) {
        tooLong.put(key, "its header section is longer than " + (LIMIT >> 20) + " MiB");
        return Optional.empty();
      }
    }
  }

  /** Bytes read so far, scanned where they are. */
  private static final class Bytes extends java.io.ByteArrayOutputStream {
    boolean blankLineFrom(int from) {
      return headerEnd(buf, from, count) >= 0;
    }
  }

  /**
   * Where a blank line ({@code \n\n} or {@code \n\r\n}) starts in the first {@code length} bytes of
   * {@code b}, looking from {@code from}; -1 when there is none.
   */
  static int headerEnd(byte[] b, int from, int length) {
    for (int i = from; i + 1 < length; i++) {
      if (b[i] == '\n'
          && (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < length && b[i + 2] == '\n'))) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String generation() {
    return label.of(generation.get());
  }
}
