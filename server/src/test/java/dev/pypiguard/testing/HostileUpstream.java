package dev.pypiguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * A hostile index and file host on 127.0.0.1, written on raw sockets so that it can lie at the
 * transport level, which a well-behaved HTTP server library never would: bodies longer than the
 * page's {@code size} (chunked, or with a lying {@code Content-Length}, or bytes after the
 * announced length), bodies that never end, gzip bombs, pages dripped a byte at a time, and 429/503
 * with {@code Retry-After}. Issue 14's transport-level test double (issue 13's page-level one is
 * {@code TamperingUpstream}).
 *
 * <p>Pages are PEP 691 JSON at {@code /simple/<project>/}, listing the files given to {@link
 * #file}; files live at {@code /files/<filename>}. Every request is counted by path.
 */
public final class HostileUpstream implements AutoCloseable {
  /** How a file's body is sent. */
  public enum FileLie {
    /** Content-Length and exactly the bytes. */
    HONEST,
    /** Chunked: the bytes, then {@code extra} more. */
    CHUNKED_OVERRUN,
    /** A Content-Length of the bytes plus {@code extra}, and that many bytes. */
    LENGTH_OVERRUN,
    /** A Content-Length of the bytes plus {@code extra}, then the bytes alone and a close. */
    LENGTH_SHORT,
    /** The right Content-Length, then {@code extra} more bytes on the wire after it. */
    BYTES_AFTER_LENGTH,
    /** Chunked, never ending (until the peer goes away or 2 GB were sent). */
    ENDLESS,
    /** Content-Length, and a byte every {@code drip} interval. */
    DRIP
  }

  /** How a project page is sent. */
  public enum PageLie {
    HONEST,
    /** {@code Content-Encoding: gzip} of hundreds of megabytes of spaces. */
    GZIP_BOMB,
    /** The honest page, one byte every {@code drip} interval. */
    DRIP,
    /** Chunked spaces, never ending. */
    ENDLESS,
    /** 503 with {@code Retry-After: 120}. */
    RETRY_AFTER_503,
    /** 429 with {@code Retry-After: 120}. */
    RETRY_AFTER_429
  }

  private record HostileFile(
      String project,
      String filename,
      byte[] bytes,
      OptionalLong declaredSize,
      FileLie lie,
      int extra) {}

  private final ServerSocket server;
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "hostile-upstream");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, HostileFile> files = new ConcurrentHashMap<>();
  private final Map<String, PageLie> pages = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final List<Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile Duration drip = Duration.ofMillis(200);
  private volatile byte[] bomb;

  private HostileUpstream(ServerSocket server) {
    this.server = server;
    pool.execute(this::accept);
  }

  public static HostileUpstream start() {
    try {
      return new HostileUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:PORT/simple/}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/simple/");
  }

  /**
   * Lists {@code filename} with {@code bytes}' sha256 on the page of {@code project}, declaring
   * {@code declaredSize} (none when empty), and sends it as {@code lie} says.
   */
  public HostileUpstream file(
      String project,
      String filename,
      byte[] bytes,
      OptionalLong declaredSize,
      FileLie lie,
      int extra) {
    files.put(
        filename, new HostileFile(project, filename, bytes.clone(), declaredSize, lie, extra));
    pages.putIfAbsent(project, PageLie.HONEST);
    return this;
  }

  public HostileUpstream page(String project, PageLie lie) {
    pages.put(project, lie);
    return this;
  }

  public HostileUpstream drip(Duration interval) {
    this.drip = interval;
    return this;
  }

  /** Requests received for {@code path}. */
  public int requests(String path) {
    AtomicInteger n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String path = readRequest(in);
        if (path == null) {
          return;
        }
        requests.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        if (!answer(path, out)) {
          return;
        }
      }
    } catch (IOException e) {
      // the proxy cut the connection: expected for most lies
    } finally {
      open.remove(s);
    }
  }

  /** The path of the next request, or null at the end of the stream. */
  private static String readRequest(InputStream in) throws IOException {
    var line = new ByteArrayOutputStream();
    String requestLine = null;
    int prev = -1;
    for (int b; (b = in.read()) >= 0; ) {
      if (b == '\n' && prev == '\r') {
        String l = line.toString(StandardCharsets.ISO_8859_1);
        line.reset();
        if (requestLine == null) {
          requestLine = l.trim();
        } else if (l.trim().isEmpty()) {
          String[] parts = requestLine.split(" ");
          return parts.length > 1 ? parts[1] : "/";
        }
      } else if (b != '\r') {
        line.write(b);
      }
      prev = b;
    }
    return null;
  }

  /** Writes the answer; false when the connection must close after it. */
  private boolean answer(String path, OutputStream out) throws IOException {
    if (path.startsWith("/simple/")) {
      String project = path.substring("/simple/".length()).replace("/", "");
      PageLie lie = pages.get(project);
      if (lie == null) {
        write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return true;
      }
      return page(project, lie, out);
    }
    if (path.startsWith("/files/")) {
      HostileFile f = files.get(path.substring("/files/".length()));
      if (f == null) {
        write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return true;
      }
      return file(f, out);
    }
    write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    return true;
  }

  private byte[] pageJson(String project) {
    var sb =
        new StringBuilder(
            "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"" + project + "\",\"files\":[");
    String sep = "";
    for (HostileFile f : files.values()) {
      if (!f.project().equals(project)) {
        continue;
      }
      sb.append(sep)
          .append("{\"filename\":\"")
          .append(f.filename())
          .append("\",\"url\":\"http://127.0.0.1:")
          .append(server.getLocalPort())
          .append("/files/")
          .append(f.filename())
          .append("\",\"hashes\":{\"sha256\":\"")
          .append(sha256(f.bytes()))
          .append("\"}");
      f.declaredSize().ifPresent(n -> sb.append(",\"size\":").append(n));
      sb.append("}");
      sep = ",";
    }
    sb.append("]}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static final String JSON = "application/vnd.pypi.simple.v1+json";

  private boolean page(String project, PageLie lie, OutputStream out) throws IOException {
    byte[] body = pageJson(project);
    switch (lie) {
      case HONEST -> {
        write(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: "
                + JSON
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n");
        out.write(body);
        out.flush();
        return true;
      }
      case GZIP_BOMB -> {
        byte[] b = bomb();
        write(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: "
                + JSON
                + "\r\nContent-Encoding: gzip\r\nContent-Length: "
                + b.length
                + "\r\n\r\n");
        out.write(b);
        out.flush();
        return true;
      }
      case DRIP -> {
        write(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: "
                + JSON
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n");
        for (byte x : body) {
          out.write(x);
          out.flush();
          pause();
        }
        return true;
      }
      case ENDLESS -> {
        write(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: " + JSON + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        byte[] spaces = new byte[64 * 1024];
        java.util.Arrays.fill(spaces, (byte) ' ');
        for (long sent = 0; sent < (2L << 30); sent += spaces.length) {
          chunk(out, spaces, 0, spaces.length);
        }
        return false;
      }
      case RETRY_AFTER_503, RETRY_AFTER_429 -> {
        String status =
            lie == PageLie.RETRY_AFTER_503 ? "503 Service Unavailable" : "429 Too Many Requests";
        write(out, "HTTP/1.1 " + status + "\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n");
        return true;
      }
      default -> throw new IllegalStateException(lie.toString());
    }
  }

  /** The gzip bomb's compressed bytes (made now, once, so that serving it is quick). */
  public byte[] gzipBomb() throws IOException {
    return bomb();
  }

  /** 300 MB of spaces, gzip-compressed to a few hundred kilobytes (made once). */
  private synchronized byte[] bomb() throws IOException {
    if (bomb == null) {
      var buf = new ByteArrayOutputStream();
      try (var gz = new GZIPOutputStream(buf)) {
        byte[] spaces = new byte[1 << 20];
        java.util.Arrays.fill(spaces, (byte) ' ');
        gz.write(
            "{\"meta\":{\"api-version\":\"1.1\"},\"files\":[]".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 300; i++) {
          gz.write(spaces);
        }
        gz.write("}".getBytes(StandardCharsets.UTF_8));
      }
      bomb = buf.toByteArray();
    }
    return bomb;
  }

  private boolean file(HostileFile f, OutputStream out) throws IOException {
    byte[] b = f.bytes();
    byte[] extra = new byte[f.extra()];
    java.util.Arrays.fill(extra, (byte) 'X');
    switch (f.lie()) {
      case HONEST -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n");
        out.write(b);
        out.flush();
        return true;
      }
      case CHUNKED_OVERRUN -> {
        write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        chunk(out, b, 0, b.length);
        chunk(out, extra, 0, extra.length);
        write(out, "0\r\n\r\n");
        return true;
      }
      case LENGTH_OVERRUN -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + (b.length + extra.length) + "\r\n\r\n");
        out.write(b);
        out.write(extra);
        out.flush();
        return true;
      }
      case LENGTH_SHORT -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + (b.length + extra.length) + "\r\n\r\n");
        out.write(b);
        out.flush();
        return false;
      }
      case BYTES_AFTER_LENGTH -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n");
        out.write(b);
        out.write(extra);
        out.flush();
        return false;
      }
      case ENDLESS -> {
        write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        chunk(out, b, 0, b.length);
        byte[] more = new byte[64 * 1024];
        for (long sent = 0; sent < (2L << 30); sent += more.length) {
          chunk(out, more, 0, more.length);
        }
        return false;
      }
      case DRIP -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n");
        for (byte x : b) {
          out.write(x);
          out.flush();
          pause();
        }
        return true;
      }
      default -> throw new IllegalStateException(f.lie().toString());
    }
  }

  private void pause() throws IOException {
    try {
      Thread.sleep(drip.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SocketException("interrupted");
    }
  }

  private static void chunk(OutputStream out, byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    write(out, Integer.toHexString(len) + "\r\n");
    out.write(b, off, len);
    write(out, "\r\n");
    out.flush();
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    synchronized (open) {
      for (Socket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
