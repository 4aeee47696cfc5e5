package dev.pypiguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A corporate egress proxy for tests, on a free loopback port: CONNECT tunnels (how https upstreams
 * are reached) and plain {@code GET http://...} forwarding, optionally demanding Basic credentials
 * with 407 as Squid does. It records what it was asked, and with which credentials.
 */
public final class TestEgressProxy implements AutoCloseable {
  /** One request the proxy received: method, target, and the Proxy-Authorization it carried. */
  public record Seen(String method, String target, String proxyAuthorization, int status) {}

  private final ServerSocket socket;
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "test-egress-proxy");
            t.setDaemon(true);
            return t;
          });
  private final String expected;
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

  private TestEgressProxy(String user, String password) throws IOException {
    this.expected =
        user == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::accept);
  }

  /** A proxy that lets anyone through. */
  public static TestEgressProxy open() {
    return start(null, null);
  }

  /** A proxy that answers 407 unless the request carries these Basic credentials. */
  public static TestEgressProxy start(String user, String password) {
    try {
      return new TestEgressProxy(user, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Everything asked so far, in order. */
  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        open.add(client);
        pool.execute(() -> serve(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      client.setSoTimeout(30_000);
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        String[] lines = head.split("\r\n");
        String[] request = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          if (colon > 0) {
            headers.put(
                lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                lines[i].substring(colon + 1).trim());
          }
        }
        String auth = headers.get("proxy-authorization");
        if (request.length != 3) {
          respond(out, 400, "Bad Request", request[0], "", auth);
          return;
        }
        if (expected != null && !expected.equals(auth)) {
          // Squid's answer; the client retries on this connection with credentials.
          seen.add(new Seen(request[0], request[1], auth, 407));
          out.write(
              ("HTTP/1.1 407 Proxy Authentication Required\r\n"
                      + "Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        if (request[0].equals("CONNECT")) {
          tunnel(client, in, out, request[1], auth);
        } else if (request[1].startsWith("http://")) {
          forward(in, out, request, headers, auth);
        } else {
          respond(out, 400, "Bad Request", request[0], request[1], auth);
        }
        return;
      }
    } catch (IOException e) {
      // the peer went away
    }
  }

  private void respond(
      OutputStream out, int status, String phrase, String method, String target, String auth)
      throws IOException {
    seen.add(new Seen(method, target, auth, status));
    out.write(
        ("HTTP/1.1 " + status + " " + phrase + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private void tunnel(Socket client, InputStream in, OutputStream out, String target, String auth)
      throws IOException {
    int colon = target.lastIndexOf(':');
    Socket origin;
    try {
      origin = new Socket();
      origin.connect(
          new InetSocketAddress(
              target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))),
          5_000);
    } catch (IOException | RuntimeException e) {
      respond(out, 502, "Bad Gateway", "CONNECT", target, auth);
      return;
    }
    open.add(origin);
    seen.add(new Seen("CONNECT", target, auth, 200));
    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    try (origin) {
      OutputStream toOrigin = origin.getOutputStream();
      var up = pool.submit(() -> pipe(in, toOrigin, origin));
      pipe(origin.getInputStream(), out, client);
      up.cancel(true);
    }
  }

  /** Plain http through the proxy: one request per connection, as {@code Connection: close}. */
  private void forward(
      InputStream in, OutputStream out, String[] request, Map<String, String> headers, String auth)
      throws IOException {
    URI target = URI.create(request[1]);
    seen.add(new Seen(request[0], request[1], auth, 200));
    int port = target.getPort() < 0 ? 80 : target.getPort();
    try (Socket origin = new Socket(target.getHost(), port)) {
      var sb =
          new StringBuilder(
              request[0]
                  + " "
                  + target.getRawPath()
                  + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery())
                  + " HTTP/1.1\r\n");
      headers.forEach(
          (k, v) -> {
            if (!k.startsWith("proxy-") && !k.equals("connection")) {
              sb.append(k).append(": ").append(v).append("\r\n");
            }
          });
      sb.append("connection: close\r\n\r\n");
      origin.getOutputStream().write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
      origin.getOutputStream().write(in.readNBytes((int) length));
      origin.getOutputStream().flush();
      origin.getInputStream().transferTo(out);
      out.flush();
    }
  }

  private static void pipe(InputStream from, OutputStream to, Socket closeAfter) {
    try {
      from.transferTo(to);
    } catch (IOException e) {
      // closed
    } finally {
      try {
        closeAfter.shutdownOutput();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  /** The request line and headers, up to the blank line; null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
    var buf = new ByteArrayOutputStream();
    int matched = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
      }
      buf.write(b);
      matched =
          (b == '\r' && (matched == 0 || matched == 2))
                  || (b == '\n' && (matched == 1 || matched == 3))
              ? matched + 1
              : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
      }
      if (buf.size() > 64 * 1024) {
        throw new IOException("request head too large");
      }
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    synchronized (open) {
      for (Socket s : open) {
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
    pool.shutdownNow();
  }
}
