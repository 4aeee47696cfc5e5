package dev.pypiguard.core.blob;

import dev.pypiguard.core.io.DurableFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BlobStore} on the local file system: {@code <root>/sha256/ab/cd/<hex>}, with partial
 * writes in {@code <root>/tmp/} moved into place by an atomic rename.
 *
 * <p>Paths are built only from validated hex digests, so no request can name a file outside the
 * store.
 */
public final class FileSystemBlobStore implements BlobStore {
  private final Path root;
  private final Path tmp;
  private final @Nullable LruEviction eviction;

  public FileSystemBlobStore(Path root) {
    this(root, 0);
  }

  /**
   * A store that keeps itself under {@code maxBytes} by least-recently-used eviction (0: no limit).
   * Blobs pinned with {@link #pin} (being served) are never evicted.
   */
  public FileSystemBlobStore(Path root, long maxBytes) {
    this.eviction = maxBytes > 0 ? new LruEviction(maxBytes) : null;
    this.root = root.toAbsolutePath().normalize();
    this.tmp = this.root.resolve("tmp");
    try {
      Files.createDirectories(tmp);
      // Partial files of a previous process can never be completed: they are garbage.
      try (var stale = Files.newDirectoryStream(tmp)) {
        for (Path p : stale) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cache directory " + this.root + " is not writable", e);
    }
  }

  /** Marks a blob as being served: it is not evicted until {@link #unpin}. */
  public void pin(Sha256 key) {
    if (eviction != null) {
      eviction.pin(key);
    }
  }

  public void unpin(Sha256 key) {
    if (eviction != null) {
      eviction.unpin(key);
    }
  }

  /** Bytes held, as the eviction accounts them (0 without a limit). */
  public long size() {
    return eviction == null ? 0 : eviction.total();
  }

  /** Reads what the store holds, for eviction (blocking: call once, off the event loop). */
  public void scanForEviction() {
    if (eviction != null) {
      eviction.scan(root.resolve("sha256"));
    }
  }

  void published(Sha256 key, long size) {
    if (eviction == null) {
      return;
    }
    for (Sha256 victim : eviction.added(key, size)) {
      try {
        Files.deleteIfExists(pathOf(victim));
      } catch (IOException e) {
        // It stays on disk uncounted; the next start-up scan counts it again.
      }
    }
  }

  @Override
  public void touch(Sha256 key) {
    if (eviction != null) {
      eviction.touched(key);
    }
  }

  /** The folder of partial writes, swept at start. */
  public Path tmp() {
    return tmp;
  }

  public Path root() {
    return root;
  }

  /**
   * The stored file of {@code key} in the store rooted at {@code root}, read without opening the
   * store (opening it clears its partial files, which a running server may be writing): for
   * commands that only read a server's cache.
   */
  public static Optional<Path> findIn(Path root, Sha256 key) {
    String h = key.hex();
    Path p =
        root.toAbsolutePath()
            .normalize()
            .resolve("sha256")
            .resolve(h.substring(0, 2))
            .resolve(h.substring(2, 4))
            .resolve(h);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  Path pathOf(Sha256 key) {
    String h = key.hex();
    return root.resolve("sha256").resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
  }

  @Override
  public Optional<Path> find(Sha256 key) {
    Path p = pathOf(key);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  @Override
  public boolean delete(Sha256 key) throws IOException {
    if (eviction != null) {
      eviction.removed(key);
    }
    return Files.deleteIfExists(pathOf(key));
  }

  @Override
  public BlobWriter create(Sha256 expected) throws IOException {
    Path partial = tmp.resolve(expected.hex() + "." + UUID.randomUUID() + ".part");
    return new Writer(this, expected, partial, pathOf(expected));
  }

  /**
   * The threads that hash blobs being written, one per core: a download's bytes are hashed here,
   * read back from its partial file, while the upstream thread goes on receiving and writing
   * (README "Speed"). Hashing is CPU work, so more threads than cores would not hash faster.
   */
  private static final ExecutorService HASHERS =
      Executors.newFixedThreadPool(
          Math.max(1, Runtime.getRuntime().availableProcessors()),
          r -> {
            Thread t = new Thread(r, "blob-hash");
            t.setDaemon(true);
            return t;
          });

  /** The size from which a blob being written is hashed ahead, on a hashing thread. */
  static final long HASH_AHEAD_FROM = 1 << 20;

  /** Each hashing thread reads through one direct buffer of its own. */
  private static final ThreadLocal<ByteBuffer> HASH_BUFFER =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(256 * 1024));

  private static final class Writer implements BlobWriter {
    private final FileSystemBlobStore store;
    private final Sha256 expected;
    private final Path partial;
    private final Path target;
    private final DurableFile file;
    private final FileChannel out;
    private final MessageDigest digest = Sha256.digest();
    private volatile long written;
    private boolean done;

    /**
     * The partial file read back for the digest: the bytes hashed are the bytes on disk, which
     * readers send. {@link #hashing} guards it, {@link #hashed} and the digest's updates.
     */
    private final FileChannel hashIn;

    private final ReentrantLock hashing = new ReentrantLock();
    private final AtomicBoolean hashScheduled = new AtomicBoolean();
    private long hashed;
    private volatile @Nullable IOException hashFailure;

    /** The digest and size matched: nothing more may be appended. */
    private boolean verified;

    Writer(FileSystemBlobStore store, Sha256 expected, Path partial, Path target)
        throws IOException {
      this.store = store;
      this.expected = expected;
      this.partial = partial;
      this.target = target;
      this.file = DurableFile.through(partial, target);
      this.out = file.channel();
      FileChannel in;
      try {
        in = FileChannel.open(partial, StandardOpenOption.READ);
      } catch (IOException | RuntimeException e) {
        file.close();
        throw e;
      }
      this.hashIn = in;
    }

    @Override
    public Sha256 expected() {
      return expected;
    }

    @Override
    public synchronized long append(ByteBuffer bytes) throws IOException {
      if (done || verified) {
        throw new IOException("blob " + expected + " is already closed");
      }
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      written = out.position();
      // One hashing task at a time per blob: it catches up with everything written so far. A
      // blob still smaller than HASH_AHEAD_FROM is hashed by verify, on the writer's thread: for
      // the small files most downloads are, the hand-off to a hashing thread and back cost more
      // than the hashing it would overlap.
      if (written >= HASH_AHEAD_FROM && hashScheduled.compareAndSet(false, true)) {
        try {
          HASHERS.execute(this::hashAhead);
        } catch (RejectedExecutionException e) {
          hashScheduled.set(false); // verify hashes what is left
        }
      }
      return written;
    }

    /** On a hashing thread: hashes what was written since the last time. */
    private void hashAhead() {
      hashing.lock();
      try {
        // Cleared before reading how much was written: an append after this schedules anew.
        hashScheduled.set(false);
        if (hashFailure == null && hashIn.isOpen()) {
          catchUp(HASH_BUFFER.get());
        }
      } catch (IOException e) {
        hashFailure = e;
      } finally {
        hashing.unlock();
      }
    }

    /** Hashes the partial file from {@link #hashed} to what is written now; under the lock. */
    private void catchUp(ByteBuffer buf) throws IOException {
      for (long end = written; hashed < end; ) {
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), end - hashed));
        int n = hashIn.read(buf, hashed);
        if (n <= 0) {
          throw new IOException("the partial file of " + expected + " ends early");
        }
        buf.flip();
        digest.update(buf);
        hashed += n;
      }
    }

    @Override
    public long written() {
      return written;
    }

    @Override
    public FileChannel openReader() throws IOException {
      // Not under the writer's lock, which a commit holds while it forces the file to disk: a
      // reader of verified bytes does not wait for the disk. The partial file while it exists (an
      // open channel survives the rename), else the one a commit moved it to.
      try {
        return FileChannel.open(partial);
      } catch (NoSuchFileException e) {
        return FileChannel.open(target);
      }
    }

    @Override
    public synchronized void verify(long expectedSize) throws IOException {
      if (verified) {
        return;
      }
      if (done) {
        throw new IOException("blob " + expected + " is already closed");
      }
      String actual;
      hashing.lock();
      try {
        IOException failure = hashFailure;
        if (failure != null) {
          done = true;
          file.close();
          throw new IOException("hashing " + expected + ": " + failure.getMessage(), failure);
        }
        // What the hashing threads have not reached yet is hashed here.
        catchUp(ByteBuffer.allocate(64 * 1024));
        actual = HexFormat.of().formatHex(digest.digest());
      } finally {
        hashing.unlock();
        closeHashIn();
      }
      long size = out.position();
      if (expectedSize >= 0 && size != expectedSize) {
        done = true;
        file.close();
        throw new IntegrityException(
            "size mismatch: got " + size + " bytes, expected " + expectedSize);
      }
      if (!actual.equals(expected.hex())) {
        done = true;
        file.close();
        throw new IntegrityException(
            "sha256 mismatch: got " + actual + ", expected " + expected.hex());
      }
      verified = true;
    }

    @Override
    public synchronized void commit(long expectedSize) throws IOException {
      verify(expectedSize);
      if (done) {
        throw new IOException("blob " + expected + " is already closed");
      }
      done = true;
      long size = out.position();
      // False when another writer published the same content first: identical bytes, keep theirs.
      if (file.commitIfAbsent()) {
        store.published(expected, size);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      closeHashIn();
      if (!done) {
        done = true;
        file.close();
      }
    }

    private void closeHashIn() {
      try {
        hashIn.close();
      } catch (IOException e) {
        // a read-only channel: nothing is lost
      }
    }
  }
}
