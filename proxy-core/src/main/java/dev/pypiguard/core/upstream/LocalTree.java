package dev.pypiguard.core.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A local mirror tree read as an upstream ({@code --upstream file:DIR}): a static PEP 503 tree or a
 * {@code pypi-guard export}, answered from disk without any network access.
 *
 * <p>Pages are {@code <dir>/index.json} (PEP 691, preferred when present) or {@code
 * <dir>/index.html}. Every path is normalized and resolved through symbolic links, then must lie
 * under one of the roots the upstream allows ({@link #ROOT_PREFIX} entries of its allowed hosts): a
 * page linking to {@code ../../../etc/passwd} gets a refusal, never the file.
 */
final class LocalTree {
  /** Allowed-host entries naming a local root start with this. */
  static final String ROOT_PREFIX = "file:";

  private static final int CHUNK = 64 * 1024;

  private LocalTree() {}

  static boolean handles(URI url) {
    return "file".equalsIgnoreCase(url.getScheme());
  }

  /** Reads a page; blocking work runs on {@code executor}. */
  static CompletableFuture<PageFetch> page(
      URI url, String accept, Optional<String> etag, Set<String> allowedHosts, Executor executor) {
    return CompletableFuture.supplyAsync(() -> readPage(url, accept, etag, allowedHosts), executor);
  }

  private static PageFetch readPage(
      URI url, String accept, Optional<String> etag, Set<String> allowedHosts) {
    Optional<Path> resolved = confine(url, allowedHosts);
    if (resolved.isEmpty()) {
      return new PageFetch.Failed("refused " + url + ": outside the local mirror", false);
    }
    Path p = resolved.get();
    Path json = p.resolve("index.json");
    Path html = p.resolve("index.html");
    boolean wantsJson = accept.contains("json");
    Path chosen;
    String type;
    if (Files.isDirectory(p)) {
      if (wantsJson && Files.isRegularFile(json)) {
        chosen = json;
        type = "application/vnd.pypi.simple.v1+json";
      } else if (Files.isRegularFile(html)) {
        chosen = html;
        type = "text/html";
      } else if (Files.isRegularFile(json)) {
        chosen = json;
        type = "application/vnd.pypi.simple.v1+json";
      } else {
        return new PageFetch.NotFound();
      }
    } else if (Files.isRegularFile(p)) {
      chosen = p;
      type =
          p.getFileName().toString().endsWith(".json")
              ? "application/vnd.pypi.simple.v1+json"
              : "text/html";
    } else {
      return new PageFetch.NotFound();
    }
    try {
      // Size and modification time make a cheap validator: a changed file gets a new tag.
      String tag =
          "\""
              + Files.size(chosen)
              + "-"
              + Files.getLastModifiedTime(chosen).toMillis()
              + "-"
              + chosen.getFileName()
              + "\"";
      if (etag.isPresent() && etag.get().equals(tag)) {
        return new PageFetch.NotModified();
      }
      return new PageFetch.Fetched(
          chosen.toUri(), Files.readAllBytes(chosen), type, Optional.of(tag));
    } catch (NoSuchFileException e) {
      return new PageFetch.NotFound();
    } catch (IOException e) {
      return new PageFetch.Failed("reading " + chosen + ": " + e.getMessage(), false);
    }
  }

  /** Streams a file into {@code sink} on {@code executor}. */
  static CompletableFuture<Void> download(
      URI url, Set<String> allowedHosts, DownloadSink sink, Executor executor) {
    return CompletableFuture.runAsync(() -> copy(url, allowedHosts, sink), executor);
  }

  private static void copy(URI url, Set<String> allowedHosts, DownloadSink sink) {
    Optional<Path> resolved = confine(url, allowedHosts);
    if (resolved.isEmpty()) {
      sink.failed("refused to read " + url + ": outside the local mirror", false, false);
      return;
    }
    Path p = resolved.get();
    if (!Files.isRegularFile(p)) {
      sink.failed("no such file in the local mirror: " + p, true, false);
      return;
    }
    try (InputStream in = Files.newInputStream(p)) {
      sink.start(OptionalLong.of(Files.size(p)));
      byte[] buf = new byte[CHUNK];
      for (int n; (n = in.read(buf)) > 0; ) {
        sink.data(ByteBuffer.wrap(buf, 0, n));
      }
      sink.end();
    } catch (IOException e) {
      sink.failed("reading " + p + ": " + e.getMessage(), e instanceof NoSuchFileException, false);
    }
  }

  /**
   * The file a URL names when it lies under an allowed root, following symbolic links; empty for
   * anything outside, including {@code ..} escapes in any encoding.
   */
  static Optional<Path> confine(URI url, Set<String> allowedHosts) {
    if (!handles(url) || url.isOpaque() || url.getPath() == null) {
      return Optional.empty();
    }
    String raw = url.getPath();
    if (raw.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    Path p;
    try {
      p = Path.of(raw).toAbsolutePath().normalize();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    for (String allowed : allowedHosts) {
      if (!allowed.startsWith(ROOT_PREFIX)) {
        continue;
      }
      Path root = Path.of(allowed.substring(ROOT_PREFIX.length())).toAbsolutePath().normalize();
      if (!p.startsWith(root)) {
        continue;
      }
      if (!Files.exists(p)) {
        return Optional.of(p); // lexically inside, and nothing there to follow
      }
      try {
        // A link inside the tree must not lead out of it.
        Path real = p.toRealPath();
        return real.startsWith(root.toRealPath()) ? Optional.of(real) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
