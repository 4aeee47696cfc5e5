package dev.pypiguard.server.http;

import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.core.io.DurableFile;
import dev.pypiguard.core.upstream.DownloadSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Small documents kept beside an artifact and keyed by its sha256: provenance (PEP 740) and core
 * metadata the upstream advertised without a hash. Fetched into memory (bounded), validated, then
 * written to disk atomically.
 */
final class SideDocument {
  private static final int MAX_BYTES = 16 * 1024 * 1024;

  /** The result of fetching: the bytes, or why not (with the HTTP status to answer). */
  record Fetched(Optional<byte[]> body, int status, String why) {}

  private SideDocument() {}

  static Path path(Path cacheDir, String kind, String artifactSha256) {
    return cacheDir
        .resolve(kind)
        .resolve(artifactSha256.substring(0, 2))
        .resolve(artifactSha256 + ".bin");
  }

  /** Reads a stored document (blocking: call on the blocking executor). */
  static Optional<byte[]> read(Path p) {
    try {
      return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Writes durably and atomically (blocking). */
  static void write(Path p, byte[] body) throws IOException {
    DurableFile.write(p, body);
  }

  /** Fetches a document from the upstream into memory. */
  static CompletableFuture<Fetched> fetch(PageCache pages, URI url, String accept) {
    var result = new CompletableFuture<Fetched>();
    var out = new ByteArrayOutputStream();
    pages
        .client()
        .download(
            url,
            pages.upstream().allowedHosts(),
            b -> {
              pages.upstream().decorateFor(url).accept(b);
              b.header("Accept", accept);
            },
            new DownloadSink() {
              @Override
              public void start(OptionalLong length) throws IOException {
                if (length.isPresent() && length.getAsLong() > MAX_BYTES) {
                  throw new IOException("document larger than " + MAX_BYTES + " bytes");
                }
              }

              @Override
              public void data(ByteBuffer bytes) throws IOException {
                if (out.size() + bytes.remaining() > MAX_BYTES) {
                  throw new IOException("document larger than " + MAX_BYTES + " bytes");
                }
                byte[] chunk = new byte[bytes.remaining()];
                bytes.get(chunk);
                out.write(chunk);
              }

              @Override
              public void end() {
                result.complete(new Fetched(Optional.of(out.toByteArray()), 200, ""));
              }

              @Override
              public void failed(String reason, boolean notFound, boolean timedOut) {
                result.complete(
                    new Fetched(Optional.empty(), notFound ? 404 : timedOut ? 504 : 502, reason));
              }
            });
    return result;
  }
}
