package dev.pypiguard.server.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may ask for what. With a tokens file, the index, files, provenance, explanations and the
 * status page need the {@code read} role and {@code /-/admin/} the {@code admin} role, while {@code
 * /healthz} and {@code /metrics} stay open (load balancers and scrapers; they name no project or
 * client). Without one, everything is open except {@code /-/admin/}, which then answers only
 * clients on the loopback interface that came without a proxy's forwarding header.
 *
 * <p>A decision on what a request carries ({@link Caller}) and the role its route needs; the HTTP
 * side turns a refusal into its response.
 */
public final class AccessControl {
  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

  /** The {@code WWW-Authenticate} challenge of a 401. */
  public static final String CHALLENGE = "Basic realm=\"pypi-guard\", charset=\"UTF-8\"";

  /** What access control reads of a request. */
  public interface Caller {
    /** A request header, or null. */
    String header(CharSequence name);

    /**
     * Whether the client is on the loopback interface and no proxy relays it (no forwarding
     * header).
     */
    boolean loopbackDirect();

    /** The client's address, for the log of refused credentials. */
    String remote();

    /** The method and path (without query), for the log of refused credentials. */
    String requestLine();
  }

  /** The outcome: admitted (with the principal's name, {@code -} without one), or refused. */
  public sealed interface Access {}

  /** May go on; {@code user} names the principal in the logs. */
  public record Admitted(String user) implements Access {}

  /**
   * Refused with {@code status} (401 asks for credentials, 403 refuses those given or the client)
   * and a one-line reason; {@code user} is the principal's name when it proved one.
   */
  public record Refused(int status, String why, String user) implements Access {}

  private static final Admitted ANONYMOUS = new Admitted("-");

  private final Supplier<Optional<AccessTokens>> tokens;
  private final String listenHost;
  private final Optional<URI> baseUrl;
  private final MeterRegistry registry;

  /**
   * @param tokens the current tokens (they change on reload); empty without a tokens file
   * @param listenHost the address the server listens on
   * @param baseUrl the proxy's external URL, when configured
   * @param registry where refusals are counted ({@code pypiguard.auth.refusals})
   */
  public AccessControl(
      Supplier<Optional<AccessTokens>> tokens,
      String listenHost,
      Optional<URI> baseUrl,
      MeterRegistry registry) {
    this.tokens = tokens;
    this.listenHost = listenHost.toLowerCase(Locale.ROOT);
    this.baseUrl = baseUrl;
    this.registry = registry;
  }

  /** Whether {@code caller} may use a route that needs {@code needed} (empty: open to everyone). */
  public Access decide(Optional<Role> needed, Caller caller) {
    Optional<AccessTokens> current = tokens.get();
    if (current.isEmpty()) {
      if (needed.isPresent() && needed.get() == Role.ADMIN && !caller.loopbackDirect()) {
        count("not-local");
        return new Refused(
            403,
            "the admin API answers only loopback clients"
                + " while the proxy has no auth: {tokens-file: ...} configured",
            "-");
      }
      if (needed.isPresent() && needed.get() == Role.ADMIN && !localHost(caller.header("Host"))) {
        // DNS rebinding: a web page's script reaches 127.0.0.1 under its own name.
        count("host");
        return new Refused(
            403,
            "the admin API answers only requests for the listen"
                + " address or a loopback name (Host: localhost, 127.0.0.1, [::1]) while the proxy has no auth",
            "-");
      }
      return ANONYMOUS;
    }
    Authentication a = current.get().authenticate(caller.header("Authorization"));
    if (a instanceof Authentication.Authenticated ok) {
      String user = ok.principal().name();
      if (needed.isPresent() && !ok.principal().role().includes(needed.get())) {
        count("role");
        return new Refused(
            403,
            user
                + " has the "
                + ok.principal().role().spelling()
                + " role; this needs "
                + needed.get().spelling(),
            user);
      }
      return new Admitted(user);
    }
    if (needed.isEmpty()) {
      return ANONYMOUS;
    }
    count(a instanceof Authentication.Missing ? "missing" : "wrong");
    if (a instanceof Authentication.Refused r) {
      // Never the secret: the reason names the scheme or user at most.
      LOG.info(
          "refused credentials from {} for {}: {}", caller.remote(), caller.requestLine(), r.why());
    }
    return new Refused(
        401,
        a instanceof Authentication.Missing
            ? "authentication required: a token (Authorization: Bearer TOKEN, or the token as the"
                + " basic-auth password, e.g. https://__token__:TOKEN@host/simple/) or a user name and password"
            : "wrong credentials",
        "-");
  }

  /**
   * Counts a refusal: {@code missing} or {@code wrong} credentials, or a role that does not
   * suffice.
   */
  private void count(String outcome) {
    Counter.builder("pypiguard.auth.refusals")
        .description("Requests refused by access control, by why")
        .tag("why", outcome)
        .register(registry)
        .increment();
  }

  /**
   * Whether the request's {@code Host} names this server as only a local client would: a loopback
   * name or address, the listen address, or the base URL's host. No Host at all (HTTP/1.0) is not a
   * browser's request and passes.
   */
  private boolean localHost(String host) {
    if (host == null) {
      return true;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end < 0 ? h : h.substring(1, end);
    } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
      h = h.substring(0, h.indexOf(':'));
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.equals("localhost")
        || h.equals("::1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      return true;
    }
    String listen = listenHost;
    if (h.equals(listen)
        && !listen.isEmpty()
        && !listen.equals("0.0.0.0")
        && !listen.equals("::")) {
      return true;
    }
    String base = baseUrl.map(u -> u.getHost()).orElse(null);
    return base != null && h.equals(base.toLowerCase(Locale.ROOT));
  }
}
