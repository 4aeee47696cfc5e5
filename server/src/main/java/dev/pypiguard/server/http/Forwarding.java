package dev.pypiguard.server.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a client reached the proxy in front of us, as that proxy says: RFC 7239 {@code Forwarded}
 * ({@code proto=} and {@code host=}), else the de-facto {@code X-Forwarded-Proto} and {@code
 * X-Forwarded-Host}. Read only from peers in {@code trusted-proxies}.
 *
 * <p>Of a list, the last element counts: it is the one our own peer wrote, while earlier ones may
 * come from the client itself through a proxy that appends rather than replaces. A protocol other
 * than {@code http} or {@code https} is ignored; the host is checked by the caller as any {@code
 * Host} is.
 *
 * @param proto {@code http} or {@code https}, when given
 * @param host the host (and port) the client asked for, when given
 */
record Forwarding(Optional<String> proto, Optional<String> host) {
  static Forwarding of(HttpHeaders headers) {
    List<String> forwarded = headers.getAll("Forwarded");
    if (!forwarded.isEmpty()) {
      String[] elements = forwarded.get(forwarded.size() - 1).split(",");
      String last = elements[elements.length - 1];
      Optional<String> proto = Optional.empty();
      Optional<String> host = Optional.empty();
      for (String pair : last.split(";")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String key = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = unquote(pair.substring(eq + 1).strip());
        if (key.equals("proto")) {
          proto = scheme(value);
        } else if (key.equals("host") && !value.isEmpty()) {
          host = Optional.of(value);
        }
      }
      if (proto.isPresent() || host.isPresent()) {
        return new Forwarding(proto, host);
      }
    }
    return new Forwarding(
        lastOf(headers.get("X-Forwarded-Proto")).flatMap(Forwarding::scheme),
        lastOf(headers.get("X-Forwarded-Host")));
  }

  private static Optional<String> lastOf(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String[] parts = header.split(",");
    String v = parts[parts.length - 1].strip();
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  private static Optional<String> scheme(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    return v.equals("http") || v.equals("https") ? Optional.of(v) : Optional.empty();
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
        ? v.substring(1, v.length() - 1)
        : v;
  }
}
