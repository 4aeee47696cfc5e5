package dev.pypiguard.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The reverse proxies and load balancers whose {@code Forwarded} (RFC 7239) and {@code
 * X-Forwarded-Proto}/{@code X-Forwarded-Host} headers say how clients reached us (config key {@code
 * trusted-proxies}; README "Behind a load balancer"). From any other peer those headers are
 * ignored: a client could otherwise write its own host into the links that other clients are served
 * from the page cache.
 *
 * @param networks address ranges, each an address and a prefix length
 */
public record TrustedProxies(List<Network> networks) {
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  /** An IPv4 or IPv6 range, like {@code 10.0.0.0/8} or {@code ::1/128}. */
  public record Network(byte[] address, int prefix) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != address.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != address[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (address[full] & mask);
    }
  }

  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  public TrustedProxies {
    networks = List.copyOf(networks);
  }

  /**
   * Reads {@code 10.0.0.0/8}, {@code 192.168.1.5} or {@code ::1}: IP literals only, since a host
   * name would have to be resolved on every request.
   *
   * @return the ranges, or the first entry that is not one, in {@code problem}
   */
  public static TrustedProxies parse(List<String> entries, String where, List<String> problems) {
    var out = new ArrayList<Network>();
    for (String e : entries) {
      parseOne(e.strip())
          .ifPresentOrElse(
              out::add,
              () ->
                  problems.add(
                      where
                          + ": \""
                          + e
                          + "\" (expected: an IP address or CIDR range, like 10.0.0.0/8 or ::1)"));
    }
    return new TrustedProxies(out);
  }

  private static Optional<Network> parseOne(String e) {
    int slash = e.indexOf('/');
    String addr = slash < 0 ? e : e.substring(0, slash);
    if (!LITERAL.matcher(addr).matches() || (!addr.contains(":") && !addr.contains("."))) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(addr).getAddress(); // a literal: no look-up happens
    } catch (UnknownHostException ex) {
      return Optional.empty();
    }
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(e.substring(slash + 1));
      } catch (NumberFormatException ex) {
        return Optional.empty();
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        return Optional.empty();
      }
    }
    return Optional.of(new Network(bytes, prefix));
  }

  /** Whether a peer at {@code peer} may tell us the client's scheme and host. */
  public boolean trusts(InetAddress peer) {
    for (Network n : networks) { // a loop, not a stream: every request asks (README "Speed")
      if (n.contains(peer)) {
        return true;
      }
    }
    return false;
  }
}
