package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.BlobStore;
import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.cache.Download;
import dev.pypiguard.core.cache.Downloads;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.project.WheelZip;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.upstream.UpstreamClient.Ranged;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core metadata for wheels whose upstream offers none (static mirrors, HTML-only indexes, {@code
 * file:} trees, exports; README "Core metadata for every wheel"): the wheel's own {@code
 * *.dist-info/METADATA}, read by HTTP range requests where the upstream serves ranges (the end of
 * the zip, then the member: two or three small requests), else from the whole wheel downloaded into
 * the store as pip would have downloaded it anyway.
 *
 * <p>The metadata is stored by its own sha256 like any blob, and the wheel-to-metadata digest is
 * remembered ({@code generated-metadata.tsv} in the cache directory), so pages advertise it with
 * its hash from then on. Metadata read by ranges is checked again when the wheel itself is stored
 * (its bytes are then verified against the page's sha256): when the two differ, the range answer is
 * dropped, logged, and the wheel's own METADATA takes its place.
 */
public final class GeneratedMetadata {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratedMetadata.class);

  /** What is known of one wheel's metadata. */
  record Entry(String metadataSha256, boolean fromWholeWheel) {}

  /**
   * The metadata, or why there is none and which status to answer; {@code unavailable} when it
   * could not be fetched (the upstream failed or timed out, or the proxy is offline), as opposed to
   * read and found wanting (not a zip, no METADATA).
   */
  record Result(Optional<byte[]> body, int status, String why, boolean unavailable) {
    static Result of(byte[] b) {
      return new Result(Optional.of(b), 200, "", false);
    }

    static Result failed(int status, String why) {
      return new Result(Optional.empty(), status, why, false);
    }

    static Result unavailable(int status, String why) {
      return new Result(Optional.empty(), status, why, true);
    }
  }

  private final Path index;
  private final Map<String, Entry> known = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Result>> inFlight = new ConcurrentHashMap<>();
  private volatile Runnable changed = () -> {};

  /** Loads what earlier runs learnt (blocking: at start-up). */
  public GeneratedMetadata(Path cacheDir) {
    this.index = cacheDir.resolve("generated-metadata.tsv");
    try {
      if (Files.isRegularFile(index)) {
        for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
          String[] f = line.split("\t");
          if (f.length == 3 && Sha256.parse(f[0]).isPresent() && Sha256.parse(f[1]).isPresent()) {
            known.put(f[0], new Entry(f[1], f[2].equals("wheel")));
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot read {}: {}; core metadata of wheels is read again", index, e.getMessage());
    }
  }

  /**
   * Runs {@code r} whenever a wheel's metadata becomes known, changes or is dropped, so that the
   * {@code metadata} rule judges it (README §Fail closed).
   */
  public void onChange(Runnable r) {
    this.changed = r;
  }

  /** For tests and tools that run without a cache. */
  static GeneratedMetadata none() {
    return new GeneratedMetadata(Path.of("/nonexistent-pypi-guard-cache"));
  }

  /** Whether a file gets generated metadata: a wheel with a sha256 and no upstream metadata. */
  static boolean applies(FileEntry f) {
    return f.metadataSha256().isEmpty()
        && f.sha256().isPresent()
        && f.filename().toLowerCase(java.util.Locale.ROOT).endsWith(".whl");
  }

  /** The sha256 of a wheel's generated metadata, once known. */
  public Optional<String> sha256Of(String wheelSha256) {
    return Optional.ofNullable(known.get(wheelSha256)).map(Entry::metadataSha256);
  }

  /**
   * Changes whenever a project's wheels get (or change) metadata, or one of its files is stored
   * (its size is then known): part of the page's cache key.
   */
  long generation(String project) {
    AtomicLong g = generations.get(project);
    return g == null ? 0 : g.get();
  }

  /**
   * The metadata of {@code wheel}, from the store, the stored wheel, ranges, or the whole wheel.
   */
  CompletableFuture<Result> obtain(
      FileSystemBlobStore store,
      Downloads downloads,
      boolean offline,
      Executor blocking,
      PageCache pages,
      String project,
      FileEntry wheel) {
    String sha = wheel.sha256().orElseThrow();
    CompletableFuture<Result> mine = new CompletableFuture<>();
    CompletableFuture<Result> running = inFlight.putIfAbsent(sha, mine);
    if (running != null) {
      return running;
    }
    mine.whenComplete((r, e) -> inFlight.remove(sha, mine));
    CompletableFuture.runAsync(
        () -> {
          try {
            find(store, downloads, offline, blocking, project, wheel, pages)
                .whenComplete(
                    (r, e) -> {
                      if (e != null) {
                        mine.complete(
                            Result.unavailable(
                                502, "core metadata of " + wheel.filename() + ": " + e));
                      } else {
                        mine.complete(r);
                      }
                    });
          } catch (RuntimeException e) {
            mine.complete(
                Result.unavailable(502, "core metadata of " + wheel.filename() + ": " + e));
          }
        },
        blocking);
    return mine;
  }

  private CompletableFuture<Result> find(
      FileSystemBlobStore store,
      Downloads downloads,
      boolean offline,
      Executor blocking,
      String project,
      FileEntry wheel,
      PageCache pages) {
    Sha256 sha = wheel.digest().orElseThrow();
    Optional<String> metaSha = sha256Of(sha.hex());
    if (metaSha.isPresent()) {
      Optional<byte[]> stored = read(store, metaSha.get());
      if (stored.isPresent()) {
        return CompletableFuture.completedFuture(Result.of(stored.get()));
      }
    }
    Optional<Path> storedWheel = find(store, sha);
    if (storedWheel.isPresent()) {
      return CompletableFuture.completedFuture(
          fromStoredWheel(store, project, wheel.filename(), sha, storedWheel.get()));
    }
    if (offline) {
      return CompletableFuture.completedFuture(
          Result.unavailable(
              404, wheel.filename() + ".metadata is not in the cache, and the proxy is offline"));
    }
    URI url = URI.create(wheel.url());
    return new RangeReader(pages, url, wheel.filename())
        .read()
        .thenComposeAsync(
            r -> {
              if (r instanceof Read.Found f) {
                return CompletableFuture.completedFuture(
                    keep(store, project, sha, f.metadata(), false));
              }
              if (r instanceof Read.Bad b) {
                return CompletableFuture.completedFuture(
                    Result.failed(502, wheel.filename() + ": " + b.why()));
              }
              if (r instanceof Read.Missing m) {
                return CompletableFuture.completedFuture(
                    Result.unavailable(m.status(), wheel.filename() + ": " + m.why()));
              }
              // Ranges refused: the whole wheel, verified and stored as a download by pip would be.
              Download d =
                  downloads.fetch(
                      sha,
                      wheel.filename(),
                      url,
                      wheel.size(),
                      pages.upstream().allowedHosts(),
                      pages.upstream().decorateFor(url),
                      pages.client(),
                      x -> {});
              return d.result()
                  .handleAsync(
                      (path, e) ->
                          e != null
                              ? Result.unavailable(
                                  502,
                                  "fetching "
                                      + wheel.filename()
                                      + " for its core metadata: "
                                      + e.getMessage())
                              : fromStoredWheel(store, project, wheel.filename(), sha, path),
                      blocking);
            },
            blocking);
  }

  /** Reads METADATA from a stored (hence verified) wheel, remembers it and returns it. */
  private Result fromStoredWheel(
      FileSystemBlobStore store, String project, String filename, Sha256 sha, Path wheel) {
    try {
      Optional<byte[]> meta = fromWheel(wheel, filename);
      if (meta.isEmpty()) {
        return Result.failed(502, filename + " has no .dist-info/METADATA");
      }
      return keep(store, project, sha, meta.get(), true);
    } catch (IOException e) {
      return Result.failed(502, "reading " + filename + ": " + e.getMessage());
    }
  }

  /**
   * Checks range-read metadata against a wheel just stored (its sha256 verified): called for every
   * stored download; does nothing for wheels without such metadata.
   */
  public void verify(FileSystemBlobStore store, Sha256 wheelSha, String filename, Path wheel) {
    // A stored file's size is now known (PEP 700): its project's pages render again.
    bump(dev.pypiguard.core.project.ProjectName.normalize(filename.split("-")[0]));
    Entry e = known.get(wheelSha.hex());
    if (e == null || e.fromWholeWheel()) {
      return;
    }
    try {
      Optional<byte[]> real = fromWheel(wheel, filename);
      String project = dev.pypiguard.core.project.ProjectName.normalize(filename.split("-")[0]);
      if (real.isEmpty()) {
        LOG.warn(
            "core metadata of {} read by ranges is dropped: the stored wheel has no METADATA",
            filename);
        known.remove(wheelSha.hex());
        bump(project);
        changed.run();
      } else if (!Sha256.of(real.get()).hex().equals(e.metadataSha256())) {
        LOG.warn(
            "core metadata of {} read by ranges does not match the verified wheel's: dropped,"
                + " the wheel's own METADATA is served from now on",
            filename);
        keep(store, project, wheelSha, real.get(), true);
      } else {
        remember(wheelSha.hex(), new Entry(e.metadataSha256(), true));
      }
    } catch (IOException ex) {
      LOG.debug("cannot check the core metadata of {}: {}", filename, ex.getMessage());
    }
  }

  private Result keep(
      FileSystemBlobStore store,
      String project,
      Sha256 wheelSha,
      byte[] metadata,
      boolean fromWholeWheel) {
    Sha256 metaSha = Sha256.of(metadata);
    try {
      if (find(store, metaSha).isEmpty()) {
        try (BlobWriter w = store.create(metaSha)) {
          w.append(ByteBuffer.wrap(metadata));
          w.commit(metadata.length);
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot store core metadata of {}: {}", wheelSha, e.getMessage());
      return Result.of(metadata); // served now, read again next time
    }
    Entry before = known.get(wheelSha.hex());
    if (before == null
        || !before.metadataSha256().equals(metaSha.hex())
        || before.fromWholeWheel() != fromWholeWheel) {
      remember(wheelSha.hex(), new Entry(metaSha.hex(), fromWholeWheel));
      bump(project);
    }
    return Result.of(metadata);
  }

  private synchronized void remember(String wheelSha, Entry e) {
    Entry before = known.put(wheelSha, e);
    if (before == null || !before.metadataSha256().equals(e.metadataSha256())) {
      changed.run();
    }
    try {
      Files.createDirectories(index.getParent());
      Files.writeString(
          index,
          wheelSha
              + "\t"
              + e.metadataSha256()
              + "\t"
              + (e.fromWholeWheel() ? "wheel" : "range")
              + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ex) {
      LOG.debug("cannot write {}: {}", index, ex.getMessage());
    }
  }

  private void bump(String project) {
    generations.computeIfAbsent(project, p -> new AtomicLong()).incrementAndGet();
  }

  private static Optional<Path> find(BlobStore store, Sha256 sha) {
    try {
      return store.find(sha);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<byte[]> read(BlobStore store, String sha) {
    return Sha256.parse(sha)
        .flatMap(k -> find(store, k))
        .flatMap(
            p -> {
              try {
                return Optional.of(Files.readAllBytes(p));
              } catch (IOException e) {
                return Optional.empty();
              }
            });
  }

  /** METADATA of a wheel file on disk (blocking). */
  public static Optional<byte[]> fromWheel(Path wheel, String filename) throws IOException {
    try (var zip = new ZipFile(wheel.toFile())) {
      ZipEntry chosen = null;
      int candidates = 0;
      String prefix = WheelZip.distInfoPrefix(filename);
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (WheelZip.isMetadata(e.getName())) {
          candidates++;
          if (chosen == null || e.getName().toLowerCase(java.util.Locale.ROOT).startsWith(prefix)) {
            chosen = e;
          }
        }
      }
      if (chosen == null
          || (candidates > 1
              && !chosen.getName().toLowerCase(java.util.Locale.ROOT).startsWith(prefix))) {
        return Optional.empty();
      }
      try (InputStream in = zip.getInputStream(chosen)) {
        byte[] b = in.readNBytes(WheelZip.MAX_METADATA + 1);
        if (b.length > WheelZip.MAX_METADATA) {
          throw new IOException("METADATA larger than " + WheelZip.MAX_METADATA + " bytes");
        }
        return Optional.of(b);
      }
    }
  }

  /** What reading by ranges came to. */
  sealed interface Read permits Read.Found, Read.Refused, Read.Bad, Read.Missing {
    record Found(byte[] metadata) implements Read {}

    record Refused() implements Read {}

    record Bad(String why) implements Read {}

    record Missing(int status, String why) implements Read {}
  }

  /** Reads METADATA with range requests: the tail, the directory if not in it, the member. */
  private static final class RangeReader {
    private final PageCache pages;
    private final URI url;
    private final String filename;

    RangeReader(PageCache pages, URI url, String filename) {
      this.pages = pages;
      this.url = url;
      this.filename = filename;
    }

    private CompletableFuture<Ranged> get(long first, long last) {
      String range = first < 0 ? "bytes=" + first : "bytes=" + first + "-" + last;
      int max = first < 0 ? (int) -first : (int) (last - first + 1);
      return pages
          .client()
          .range(
              url, pages.upstream().allowedHosts(), pages.upstream().decorateFor(url), range, max);
    }

    CompletableFuture<Read> read() {
      return get(-WheelZip.TAIL, 0)
          .thenCompose(
              tail -> {
                if (!(tail instanceof Ranged.Partial t)) {
                  return CompletableFuture.completedFuture(other(tail));
                }
                try {
                  WheelZip.Directory dir = WheelZip.directory(t.bytes(), t.total());
                  CompletableFuture<Ranged> dirBytes =
                      dir.offset() >= t.start()
                          ? CompletableFuture.completedFuture(
                              new Ranged.Partial(
                                  slice(t, dir.offset(), dir.size()), dir.offset(), t.total()))
                          : get(dir.offset(), dir.offset() + dir.size() - 1);
                  return dirBytes.thenCompose(
                      d -> {
                        if (!(d instanceof Ranged.Partial dp)) {
                          return CompletableFuture.completedFuture(other(d));
                        }
                        try {
                          WheelZip.Member m = WheelZip.metadataMember(dp.bytes(), filename);
                          return member(t, m, m.spanToRead(), true);
                        } catch (WheelZip.BadWheel e) {
                          return CompletableFuture.completedFuture(
                              new Read.Bad(String.valueOf(e.getMessage())));
                        }
                      });
                } catch (WheelZip.BadWheel e) {
                  return CompletableFuture.completedFuture(
                      new Read.Bad(String.valueOf(e.getMessage())));
                }
              });
    }

    private CompletableFuture<Read> member(
        Ranged.Partial tail, WheelZip.Member m, long span, boolean again) {
      long first = m.localHeaderOffset();
      long last = Math.min(tail.total() - 1, first + span - 1);
      if (first >= tail.total()) {
        return CompletableFuture.completedFuture(
            new Read.Bad("METADATA's offset is outside the file"));
      }
      if (last - first + 1 > WheelZip.MAX_METADATA + 70_000L) {
        return CompletableFuture.completedFuture(
            new Read.Bad("METADATA larger than " + WheelZip.MAX_METADATA + " bytes"));
      }
      CompletableFuture<Ranged> bytes =
          first >= tail.start()
              ? CompletableFuture.completedFuture(
                  new Ranged.Partial(slice(tail, first, last - first + 1), first, tail.total()))
              : get(first, last);
      return bytes.thenCompose(
          r -> {
            if (!(r instanceof Ranged.Partial p)) {
              return CompletableFuture.completedFuture(other(r));
            }
            try {
              Optional<byte[]> meta = WheelZip.extract(m, p.bytes());
              if (meta.isPresent()) {
                return CompletableFuture.completedFuture(new Read.Found(meta.get()));
              }
              if (!again || last == tail.total() - 1) {
                return CompletableFuture.completedFuture(
                    new Read.Bad("METADATA runs past the end of the file"));
              }
              return member(tail, m, WheelZip.neededSpan(m, p.bytes()), false);
            } catch (WheelZip.BadWheel e) {
              return CompletableFuture.completedFuture(
                  new Read.Bad(String.valueOf(e.getMessage())));
            }
          });
    }

    private static byte[] slice(Ranged.Partial p, long from, long length) {
      int off = (int) (from - p.start());
      int end = (int) Math.min(p.bytes().length, off + length);
      return java.util.Arrays.copyOfRange(p.bytes(), off, end);
    }

    private static Read other(Ranged r) {
      if (r instanceof Ranged.Failed f) {
        return f.notFound()
            ? new Read.Missing(404, f.reason())
            : new Read.Missing(f.timedOut() ? 504 : 502, f.reason());
      }
      return new Read.Refused();
    }
  }
}
