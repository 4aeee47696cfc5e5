package dev.pypiguard.server;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import dev.pypiguard.server.config.ServerConfig;
import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@code egress:} into the upstream client's settings: the proxy (CONNECT for https, with
 * Basic credentials when given), the hosts reached directly, and the CA certificates trusted in
 * addition to the system's.
 */
public final class EgressSettings {
  /**
   * The JDK refuses Basic credentials on CONNECT tunnels unless this property is cleared before its
   * HTTP client first loads (net.properties sets it to "Basic"). A corporate proxy that asks for
   * Basic credentials is what {@code egress.username} is for, so it is cleared, unless the operator
   * set it on the command line.
   */
  static final String TUNNELING_DISABLED_SCHEMES = "jdk.http.auth.tunneling.disabledSchemes";

  private EgressSettings() {}

  public static void allowBasicForTunnels() {
    if (System.getProperty(TUNNELING_DISABLED_SCHEMES) == null) {
      System.setProperty(TUNNELING_DISABLED_SCHEMES, "");
    }
  }

  /** The client settings for {@code egress} with the given timeouts. */
  public static UpstreamClient.Settings settings(
      ServerConfig.Egress egress, Upstream.Timeouts timeouts, String userAgent) {
    Optional<SSLContext> ssl = egress.caBundle().map(EgressSettings::trusting);
    Optional<ProxySelector> proxy = egress.proxy().map(p -> selector(p, egress.noProxy()));
    Optional<Authenticator> auth =
        egress.username().map(user -> proxyAuthenticator(user, egress.password().orElse("")));
    return new UpstreamClient.Settings(
        timeouts.connect(), timeouts.read(), ssl, proxy, auth, userAgent);
  }

  /**
   * Applies the egress proxy, its credentials and the CA bundle to a JDK client builder: for the
   * other outbound connection, to an OSV API.
   */
  public static java.util.function.Consumer<java.net.http.HttpClient.Builder> network(
      ServerConfig.Egress egress) {
    UpstreamClient.Settings s =
        settings(
            egress,
            new Upstream.Timeouts(
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(10)),
            "");
    return b -> {
      s.sslContext().ifPresent(b::sslContext);
      s.proxy().ifPresent(b::proxy);
      s.authenticator().ifPresent(b::authenticator);
    };
  }

  private static ProxySelector selector(URI proxy, List<String> noProxy) {
    var via =
        List.of(
            new Proxy(
                Proxy.Type.HTTP,
                InetSocketAddress.createUnresolved(proxy.getHost(), proxy.getPort())));
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        for (String n : noProxy) {
          if (host.equals(n) || (n.startsWith(".") && host.endsWith(n))) {
            return List.of(Proxy.NO_PROXY);
          }
        }
        return via;
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // Nothing to fall back to: egress goes through the proxy or nowhere.
      }
    };
  }

  /** Answers the proxy's 407 only; a 401 from an upstream is never answered with these. */
  private static Authenticator proxyAuthenticator(String user, String password) {
    return new Authenticator() {
      @Override
      protected @Nullable PasswordAuthentication getPasswordAuthentication() {
        if (getRequestorType() != RequestorType.PROXY) {
          return null;
        }
        return new PasswordAuthentication(user, password.toCharArray());
      }
    };
  }

  /** The system's trusted CAs plus those of a PEM bundle. */
  private static SSLContext trusting(java.nio.file.Path bundle) {
    try {
      X509Certificate[] extra = PemFiles.certificates(bundle);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      var system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      system.init((KeyStore) null);
      int n = 0;
      for (var tm : system.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            store.setCertificateEntry("system-" + n++, c);
          }
        }
      }
      for (X509Certificate c : extra) {
        store.setCertificateEntry("bundle-" + n++, c);
      }
      var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException("egress.ca-bundle: cannot use " + bundle + ": " + e.getMessage());
    }
  }
}
