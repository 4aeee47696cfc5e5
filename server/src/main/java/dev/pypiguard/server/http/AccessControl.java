package dev.pypiguard.server.http;

import dev.pypiguard.server.auth.AccessTokens;
import dev.pypiguard.server.auth.Authentication;
import dev.pypiguard.server.auth.Role;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may ask for what. With a tokens file, the index, files, provenance, explanations and the
 * status page need the {@code read} role and {@code /-/admin/} the {@code admin} role, while
 * {@code /healthz} and {@code /metrics} stay open (load balancers and scrapers; they name no
 * project or client). Without one, everything is open except {@code /-/admin/}, which then
 * answers only clients on the loopback interface that came without a proxy's forwarding header.
 */
final class AccessControl {
  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
  static final String CHALLENGE = "Basic realm=\"pypi-guard\", charset=\"UTF-8\"";

  private AccessControl() {}

  /**
   * Why the request may not go on, as its answer (401 or 403); empty when it may. The
   * principal's name is set on the exchange for the access and audit logs. What a route needs
   * is {@link Route#role()}.
   */
  static Optional<Reply> refusal(Exchange ex, Services s, Optional<Role> needed) {
    Optional<AccessTokens> tokens = s.ops().tokens();
    if (tokens.isEmpty()) {
      if (needed.isPresent() && needed.get() == Role.ADMIN && !localAndDirect(ex)) {
        count(s, "not-local");
        return refuse(ex, HttpResponseStatus.FORBIDDEN, "the admin API answers only loopback clients"
            + " while the proxy has no auth: {tokens-file: ...} configured");
      }
      if (needed.isPresent() && needed.get() == Role.ADMIN && !localHost(ex, s)) {
        // DNS rebinding: a web page's script reaches 127.0.0.1 under its own name.
        count(s, "host");
        return refuse(ex, HttpResponseStatus.FORBIDDEN, "the admin API answers only requests for the listen"
            + " address or a loopback name (Host: localhost, 127.0.0.1, [::1]) while the proxy has no auth");
      }
      return Optional.empty();
    }
    Authentication a = tokens.get().authenticate(ex.headers.get(HttpHeaderNames.AUTHORIZATION));
    if (a instanceof Authentication.Authenticated ok) {
      ex.user = ok.principal().name();
      if (needed.isPresent() && !ok.principal().role().includes(needed.get())) {
        count(s, "role");
        return refuse(ex, HttpResponseStatus.FORBIDDEN, ok.principal().name() + " has the "
            + ok.principal().role().spelling() + " role; this needs " + needed.get().spelling());
      }
      return Optional.empty();
    }
    if (needed.isEmpty()) {
      return Optional.empty();
    }
    count(s, a instanceof Authentication.Missing ? "missing" : "wrong");
    if (a instanceof Authentication.Refused r) {
      // Never the secret: the reason names the scheme or user at most.
      LOG.info("refused credentials from {} for {} {}: {}", ex.remote(), ex.method, path(ex), r.why());
    }
    var response = Exchange.text(HttpResponseStatus.UNAUTHORIZED, a instanceof Authentication.Missing
        ? "authentication required: a token (Authorization: Bearer TOKEN, or the token as the"
            + " basic-auth password, e.g. https://__token__:TOKEN@host/simple/) or a user name and password"
        : "wrong credentials");
    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, CHALLENGE);
    ex.route = "unauthorized";
    return Optional.of(new Reply.Complete(response));
  }

  /** Counts a refusal: {@code missing} or {@code wrong} credentials, or a role that does not suffice. */
  private static void count(Services s, String outcome) {
    io.micrometer.core.instrument.Counter.builder("pypiguard.auth.refusals")
        .description("Requests refused by access control, by why")
        .tag("why", outcome)
        .register(s.metrics().registry())
        .increment();
  }

  private static Optional<Reply> refuse(Exchange ex, HttpResponseStatus status, String why) {
    ex.route = "forbidden";
    return Optional.of(Reply.text(status, why));
  }

  /** A loopback client that is not a reverse proxy relaying someone else. */
  private static boolean localAndDirect(Exchange ex) {
    boolean loopback = ex.ctx.channel().remoteAddress() instanceof InetSocketAddress a
        && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    return loopback && !ex.headers.contains("Forwarded") && !ex.headers.contains("X-Forwarded-For")
        && !ex.headers.contains("X-Real-IP");
  }

  /**
   * Whether the request's {@code Host} names this server as only a local client would: a loopback
   * name or address, the listen address, or the base URL's host. No Host at all (HTTP/1.0) is
   * not a browser's request and passes.
   */
  static boolean localHost(Exchange ex, Services s) {
    String host = ex.headers.get(HttpHeaderNames.HOST);
    if (host == null) {
      return true;
    }
    String h = host.trim().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end < 0 ? h : h.substring(1, end);
    } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
      h = h.substring(0, h.indexOf(':'));
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.equals("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      return true;
    }
    String listen = s.config().host().toLowerCase(java.util.Locale.ROOT);
    if (h.equals(listen) && !listen.isEmpty() && !listen.equals("0.0.0.0") && !listen.equals("::")) {
      return true;
    }
    String base = s.config().baseUrl().map(u -> u.getHost()).orElse(null);
    return base != null && h.equals(base.toLowerCase(java.util.Locale.ROOT));
  }

  private static String path(Exchange ex) {
    int q = ex.uri.indexOf('?');
    String p = q < 0 ? ex.uri : ex.uri.substring(0, q);
    return p.length() > 200 ? p.substring(0, 200) + "..." : p.replaceAll("[\\x00-\\x1f\\x7f]", "?");
  }
}
