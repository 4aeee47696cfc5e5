package dev.pypiguard.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP/1.1 client on a raw socket, for what ordinary clients never do: several requests
 * pipelined in one write, headers trickled a byte at a time, connections opened and left half-open,
 * and a strict reading of the bytes that come back (a response is complete only when its whole
 * announced body arrived; anything after the last response is reported).
 */
public final class RawHttpClient implements AutoCloseable {
  /** One response as read off the wire; {@code complete} is false when the body was cut. */
  public record Response(int status, Map<String, String> headers, byte[] body, boolean complete) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String host;

  private RawHttpClient(Socket socket, String host) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.host = host;
  }

  /** Connects to the host and port of {@code server}, reads time out after {@code timeout}. */
  public static RawHttpClient connect(URI server, Duration timeout) throws IOException {
    return connect(server, timeout, Optional.empty());
  }

  /** As {@link #connect(URI, Duration)}, from the local address {@code from} (like 127.0.0.2). */
  public static RawHttpClient connect(URI server, Duration timeout, Optional<InetAddress> from)
      throws IOException {
    var s = new Socket();
    from.ifPresent(
        a -> {
          try {
            s.bind(new InetSocketAddress(a, 0));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    s.connect(new InetSocketAddress(server.getHost(), server.getPort()), (int) timeout.toMillis());
    s.setSoTimeout((int) timeout.toMillis());
    return new RawHttpClient(s, server.getHost() + ":" + server.getPort());
  }

  /** The bytes of a GET for {@code path} with the given extra header lines. */
  public String get(String path, String... headerLines) {
    var sb =
        new StringBuilder("GET ")
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(host)
            .append("\r\n");
    for (String h : headerLines) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Sends raw bytes in one write (several requests in one are pipelined). */
  public RawHttpClient send(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** Sends {@code raw} one byte at a time, {@code pause} apart; false when the server cut it. */
  public boolean trickle(String raw, Duration pause) {
    try {
      for (byte b : raw.getBytes(StandardCharsets.ISO_8859_1)) {
        out.write(b);
        out.flush();
        Thread.sleep(pause.toMillis());
      }
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Reads the next response; empty when the connection ended before a status line. */
  public Optional<Response> read(boolean headRequest) throws IOException {
    String status = line();
    if (status == null) {
      return Optional.empty();
    }
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not a status line: " + status);
    }
    int code = Integer.parseInt(parts[1]);
    var headers = new TreeMap<String, String>();
    for (String l; (l = line()) != null && !l.isEmpty(); ) {
      int c = l.indexOf(':');
      if (c > 0) {
        headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
      }
    }
    var body = new ByteArrayOutputStream();
    if (headRequest || code == 304 || code == 204 || code / 100 == 1) {
      return Optional.of(new Response(code, headers, body.toByteArray(), true));
    }
    boolean complete;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      complete = chunked(body);
    } else if (headers.containsKey("content-length")) {
      long n = Long.parseLong(headers.get("content-length"));
      complete = copy(body, n) == n;
    } else {
      copy(body, Long.MAX_VALUE);
      complete = true; // delimited by the end of the connection
    }
    return Optional.of(new Response(code, headers, body.toByteArray(), complete));
  }

  /** Reads {@code n} responses (fewer when the connection ends first). */
  public List<Response> readAll(int n) throws IOException {
    var all = new ArrayList<Response>();
    for (int i = 0; i < n; i++) {
      Optional<Response> r = read(false);
      if (r.isEmpty()) {
        break;
      }
      all.add(r.get());
      if (!r.get().complete()) {
        break;
      }
    }
    return all;
  }

  /** True when the server closes the connection (end of stream) within {@code wait}. */
  public boolean closedByServer(Duration wait) {
    try {
      int before = socket.getSoTimeout();
      socket.setSoTimeout((int) wait.toMillis());
      try {
        return closedByServer();
      } finally {
        if (!socket.isClosed()) {
          socket.setSoTimeout(before);
        }
      }
    } catch (IOException e) {
      return true;
    }
  }

  /** True when the server closed the connection (end of stream) within the read timeout. */
  public boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  /** Bytes that arrive before the end of the stream or the read timeout (what follows). */
  public byte[] rest() {
    var b = new ByteArrayOutputStream();
    try {
      for (int c; (c = in.read()) >= 0; ) {
        b.write(c);
      }
    } catch (IOException e) {
      // timeout or reset: what came is what there is
    }
    return b.toByteArray();
  }

  private boolean chunked(ByteArrayOutputStream body) throws IOException {
    while (true) {
      String size = line();
      if (size == null) {
        return false;
      }
      int semi = size.indexOf(';');
      long n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
      if (n == 0) {
        for (String l; (l = line()) != null && !l.isEmpty(); ) {
          // trailers
        }
        return true;
      }
      if (copy(body, n) != n) {
        return false;
      }
      if (line() == null) {
        return false;
      }
    }
  }

  private long copy(ByteArrayOutputStream body, long n) throws IOException {
    long got = 0;
    byte[] buf = new byte[8192];
    try {
      while (got < n) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
        if (r < 0) {
          break;
        }
        body.write(buf, 0, r);
        got += r;
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      // reset mid-body: incomplete
    }
    return got;
  }

  private String line() throws IOException {
    var b = new ByteArrayOutputStream();
    int prev = -1;
    try {
      for (int c; (c = in.read()) >= 0; ) {
        if (c == '\n') {
          return b.toString(StandardCharsets.ISO_8859_1);
        }
        if (prev == '\r') {
          b.write('\r');
        }
        if (c != '\r') {
          b.write(c);
        }
        prev = c;
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
