package dev.pypiguard.server.config;

import dev.pypiguard.core.upstream.Upstream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code pypi-guard serve} runs with, after the config file, the flags and the embedded
 * defaults were merged and validated.
 *
 * @param host the address to listen on
 * @param port the port, 0 for any free one
 * @param upstreams the upstream indexes, in order
 * @param cacheDir the artifact store and page cache
 * @param baseUrl the external URL written into links, when set; else derived from {@code Host}
 * @param offline never contact the upstream
 * @param pageTtl how long a cached page is served without revalidation
 * @param staleAfter how long a request waits for revalidation before a stale copy is served
 * @param connectTimeout upstream connect timeout
 * @param readTimeout upstream read timeout (time to a page, or between bytes of a file)
 * @param streamAfter a cold file its page declares no larger is verified whole before a single byte
 *     is sent; a larger one streams from its first byte, one of undeclared size once more than this
 *     many arrived (README "How it works")
 * @param policyFile the policy file, when set
 * @param advisories OSV sources: directories, zip exports, {@code osv-api} or {@code osv-api:URL}
 * @param advisoriesRefresh how often file sources are read again (zero: never)
 * @param recordFile where {@code serve --record} appends every file served, for a later seed
 * @param tls the PEM certificate chain and private key to serve https with, when set
 * @param maxCacheBytes the artifact store's size limit (least recently used evicted), 0: none
 * @param egress how upstream connections leave: directly or through a proxy, and whom to trust
 * @param tokensFile the clients allowed in and their roles ({@code auth: {tokens-file}}); without
 *     it every client may read, and only loopback clients may use the admin API
 * @param storage where artifacts and shared records live: {@code cache-dir}, or a bucket shared by
 *     replicas (then {@code cache-dir} is this replica's local tier)
 * @param limits deadlines, connection limits and size bounds against hostile peers
 */
public record ServerConfig(
    String host,
    int port,
    List<Upstream> upstreams,
    Path cacheDir,
    Optional<URI> baseUrl,
    boolean offline,
    Duration pageTtl,
    Duration staleAfter,
    Duration connectTimeout,
    Duration readTimeout,
    long streamAfter,
    Optional<Path> policyFile,
    List<String> advisories,
    Duration advisoriesRefresh,
    Optional<Path> recordFile,
    Optional<Tls> tls,
    long maxCacheBytes,
    Egress egress,
    Optional<Path> tokensFile,
    Storage storage,
    Limits limits,
    TrustedProxies trustedProxies) {

  /** A PEM certificate chain and its private key (PKCS#8, or PKCS#1 RSA/EC). */
  public record Tls(Path cert, Path key) {}

  /**
   * How upstream connections leave this machine.
   *
   * @param proxy an HTTP proxy ({@code http://host:port}, without credentials): https upstreams are
   *     reached through CONNECT tunnels, http ones through the proxy
   * @param username the proxy user, when it wants Basic credentials
   * @param password the proxy password, never logged
   * @param caBundle PEM certificates trusted for upstream TLS, in addition to the system's
   * @param noProxy hosts reached directly ({@code .corp.example} matches its subdomains)
   */
  public record Egress(
      Optional<URI> proxy,
      Optional<String> username,
      Optional<String> password,
      Optional<Path> caBundle,
      List<String> noProxy) {
    public static final Egress DIRECT =
        new Egress(
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    public Egress {
      noProxy = List.copyOf(noProxy);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
      return "Egress["
          + proxy.map(URI::toString).orElse("direct")
          + username.map(u -> " as " + u).orElse("")
          + caBundle.map(c -> ", trusting " + c).orElse("")
          + "]";
    }
  }

  public ServerConfig {
    upstreams = List.copyOf(upstreams);
    advisories = List.copyOf(advisories);
  }

  public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
  public static final String DEFAULT_UPSTREAM = "https://pypi.org/simple/";

  /** The defaults with a given upstream and cache directory: what tests start from. */
  public static ServerConfig defaults(URI upstream, Path cacheDir) {
    return new ServerConfig(
        "127.0.0.1",
        8080,
        List.of(Upstream.of("pypi", upstream)),
        cacheDir,
        Optional.empty(),
        false,
        Duration.ofMinutes(10),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        4L * 1024 * 1024,
        Optional.empty(),
        List.of(),
        Duration.ofHours(1),
        Optional.empty(),
        Optional.empty(),
        0,
        Egress.DIRECT,
        Optional.empty(),
        new Storage.FileSystem(),
        Limits.DEFAULTS,
        TrustedProxies.NONE);
  }

  public ServerConfig withPort(int newPort) {
    return edit(b -> b.port = newPort);
  }

  public ServerConfig withOffline(boolean newOffline) {
    return edit(b -> b.offline = newOffline);
  }

  public ServerConfig withPageTtl(Duration ttl) {
    return edit(b -> b.pageTtl = ttl);
  }

  public ServerConfig withTimeouts(Duration connect, Duration read, Duration stale) {
    return edit(
        b -> {
          b.connectTimeout = connect;
          b.readTimeout = read;
          b.staleAfter = stale;
        });
  }

  public ServerConfig withStreamAfter(long bytes) {
    return edit(b -> b.streamAfter = bytes);
  }

  public ServerConfig withBaseUrl(Optional<URI> url) {
    return edit(b -> b.baseUrl = url);
  }

  public ServerConfig withAdvisories(List<String> sources, Duration refresh) {
    return edit(
        b -> {
          b.advisories = sources;
          b.advisoriesRefresh = refresh;
        });
  }

  public ServerConfig withRecordFile(Optional<Path> file) {
    return edit(b -> b.recordFile = file);
  }

  public ServerConfig withMaxCacheBytes(long bytes) {
    return edit(b -> b.maxCacheBytes = bytes);
  }

  public ServerConfig withTls(Optional<Tls> newTls) {
    return edit(b -> b.tls = newTls);
  }

  public ServerConfig withLimits(Limits newLimits) {
    return edit(b -> b.limits = newLimits);
  }

  public ServerConfig withPolicyFile(Optional<Path> file) {
    return edit(b -> b.policyFile = file);
  }

  /** A copy with the changes {@code change} makes to a builder holding this config. */
  public ServerConfig edit(java.util.function.Consumer<Builder> change) {
    var b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  /** The components of a config, to change some and build a new one. */
  public static final class Builder {
    public String host;
    public int port;
    public List<Upstream> upstreams;
    public Path cacheDir;
    public Optional<URI> baseUrl;
    public boolean offline;
    public Duration pageTtl;
    public Duration staleAfter;
    public Duration connectTimeout;
    public Duration readTimeout;
    public long streamAfter;
    public Optional<Path> policyFile;
    public List<String> advisories;
    public Duration advisoriesRefresh;
    public Optional<Path> recordFile;
    public Optional<Tls> tls;
    public long maxCacheBytes;
    public Egress egress;
    public Optional<Path> tokensFile;
    public Storage storage;
    public Limits limits;
    public TrustedProxies trustedProxies;

    Builder(ServerConfig c) {
      host = c.host;
      port = c.port;
      upstreams = c.upstreams;
      cacheDir = c.cacheDir;
      baseUrl = c.baseUrl;
      offline = c.offline;
      pageTtl = c.pageTtl;
      staleAfter = c.staleAfter;
      connectTimeout = c.connectTimeout;
      readTimeout = c.readTimeout;
      streamAfter = c.streamAfter;
      policyFile = c.policyFile;
      advisories = c.advisories;
      advisoriesRefresh = c.advisoriesRefresh;
      recordFile = c.recordFile;
      tls = c.tls;
      maxCacheBytes = c.maxCacheBytes;
      egress = c.egress;
      tokensFile = c.tokensFile;
      storage = c.storage;
      limits = c.limits;
      trustedProxies = c.trustedProxies;
    }

    public ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          upstreams,
          cacheDir,
          baseUrl,
          offline,
          pageTtl,
          staleAfter,
          connectTimeout,
          readTimeout,
          streamAfter,
          policyFile,
          advisories,
          advisoriesRefresh,
          recordFile,
          tls,
          maxCacheBytes,
          egress,
          tokensFile,
          storage,
          limits,
          trustedProxies);
    }
  }
}
