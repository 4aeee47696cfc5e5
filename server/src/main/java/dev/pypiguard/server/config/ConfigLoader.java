package dev.pypiguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.config.Durations;
import dev.pypiguard.core.config.Sizes;
import dev.pypiguard.core.config.YamlDocument;
import dev.pypiguard.core.upstream.Upstream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ServerConfig} from the config file ({@code pypi-guard.yaml}) and the flags, which
 * override it, over the embedded defaults. Every problem is reported at once, with file, line and
 * key.
 */
public final class ConfigLoader {
  private static final Set<String> KEYS =
      Set.of(
          "listen",
          "upstream",
          "cache-dir",
          "policy",
          "base-url",
          "offline",
          "cache",
          "timeouts",
          "advisories",
          "tls",
          "upstreams",
          "egress",
          "auth",
          "storage",
          "limits",
          "trusted-proxies");
  private static final Set<String> CACHE_KEYS =
      Set.of("page-ttl", "stale-after", "stream-after", "max-size");
  private static final Set<String> LIMIT_KEYS =
      Set.of("connections", "connections-per-client", "file-size", "page-size");
  private static final Set<String> TIMEOUT_KEYS =
      Set.of("connect", "read", "request-headers", "idle");

  /** The flags of {@code serve}; each is set only when given on the command line. */
  public record Flags(
      Optional<String> listen,
      Optional<String> upstream,
      Optional<Path> cacheDir,
      Optional<Path> policy,
      Optional<String> baseUrl,
      boolean offline,
      List<String> advisories) {
    public Flags {
      advisories = List.copyOf(advisories);
    }
  }

  private ConfigLoader() {}

  public static ServerConfig load(Optional<Path> configFile, Flags flags) {
    return load(configFile, flags, System::getenv);
  }

  /** As {@link #load(Optional, Flags)}, reading {@code ${NAME}} references from {@code env}. */
  // root is null exactly when there is no config file, and is only read when there is one.
  @SuppressWarnings("NullAway")
  public static ServerConfig load(
      Optional<Path> configFile, Flags flags, Function<String, String> env) {
    Optional<YamlDocument> doc = configFile.map(YamlDocument::read);
    doc.ifPresent(d -> d.expandEnvironment(env));
    JsonNode root = doc.map(YamlDocument::root).orElse(null);
    var problems = new java.util.ArrayList<String>();
    Function<String, String> where = k -> doc.map(d -> d.where(k)).orElse("config");
    if (doc.isPresent() && !root.isObject()) {
      throw new ConfigException(doc.get().source() + ": expected a mapping of keys to values");
    }
    doc.ifPresent(
        d -> {
          d.allowOnly(root, "", KEYS);
          d.allowOnly(root.get("cache"), "cache", CACHE_KEYS);
          d.allowOnly(root.get("timeouts"), "timeouts", TIMEOUT_KEYS);
          d.allowOnly(root.get("limits"), "limits", LIMIT_KEYS);
        });

    String listen =
        flags.listen().orElseGet(() -> text(root, "listen").orElse(ServerConfig.DEFAULT_LISTEN));
    String listenWhere = flags.listen().isPresent() ? "--listen" : where.apply("listen");
    String host = "127.0.0.1";
    int port = 8080;
    int colon = listen.lastIndexOf(':');
    if (colon <= 0 || colon == listen.length() - 1) {
      problems.add(listenWhere + ": \"" + listen + "\" (expected: HOST:PORT, like 127.0.0.1:8080)");
    } else {
      host = listen.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        port = Integer.parseInt(listen.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        problems.add(listenWhere + ": \"" + listen + "\" (expected: a port from 0 to 65535)");
      }
    }

    // upstreams: a list (README "Several upstreams, and no dependency confusion") replaces
    // upstream; --upstream replaces both.
    Path base = configFile.map(f -> f.toAbsolutePath().getParent()).orElse(Path.of("."));
    List<Upstream> upstreams = List.of();
    JsonNode upstreamList = root == null ? null : root.get("upstreams");
    if (flags.upstream().isEmpty() && upstreamList != null && !upstreamList.isNull()) {
      if (root.hasNonNull("upstream")) {
        problems.add(where.apply("upstream") + ": give upstream or upstreams, not both");
      }
      upstreams = new UpstreamsConfig(doc.get(), base).upstreams(upstreamList);
    } else {
      String upstream =
          flags
              .upstream()
              .orElseGet(() -> text(root, "upstream").orElse(ServerConfig.DEFAULT_UPSTREAM));
      String upWhere = flags.upstream().isPresent() ? "--upstream" : where.apply("upstream");
      upstreams =
          UpstreamsConfig.simpleUrl(upstream, m -> problems.add(upWhere + ": " + m))
              .map(u -> List.of(Upstream.of("pypi", u)))
              .orElse(List.of());
    }
    ServerConfig.Egress egress =
        doc.map(d -> new UpstreamsConfig(d, base).egress(root.get("egress")))
            .orElse(ServerConfig.Egress.DIRECT);

    Path cacheDir =
        flags
            .cacheDir()
            .orElseGet(
                () ->
                    text(root, "cache-dir")
                        .map(Path::of)
                        .orElse(Path.of(System.getProperty("user.home"), ".cache", "pypi-guard")));
    Optional<Path> policy = flags.policy().or(() -> text(root, "policy").map(Path::of));
    Optional<String> baseText = flags.baseUrl().or(() -> text(root, "base-url"));
    Optional<URI> baseUrl = Optional.empty();
    if (baseText.isPresent()) {
      String b = baseText.get();
      try {
        URI u = new URI(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        if (u.getScheme() == null || u.getHost() == null) {
          throw new URISyntaxException(b, "no scheme or host");
        }
        baseUrl = Optional.of(u);
      } catch (URISyntaxException e) {
        problems.add(
            (flags.baseUrl().isPresent() ? "--base-url" : where.apply("base-url"))
                + ": \""
                + b
                + "\" (expected: an absolute URL like https://pypi.example.com)");
      }
    }
    boolean offline = flags.offline() || bool(root, "offline", where, problems).orElse(false);

    Duration ttl = duration(root, "cache", "page-ttl", Duration.ofMinutes(10), where, problems);
    Duration staleAfter =
        duration(root, "cache", "stale-after", Duration.ofSeconds(2), where, problems);
    Duration connect =
        positive(root, "timeouts", "connect", Duration.ofSeconds(5), where, problems);
    Duration read = positive(root, "timeouts", "read", Duration.ofSeconds(10), where, problems);
    Limits limits = limits(root, where, problems);
    long streamAfter = 4L * 1024 * 1024;
    Optional<String> sa = root == null ? Optional.empty() : text(root.get("cache"), "stream-after");
    if (sa.isPresent()) {
      var parsed = Sizes.parse(sa.get());
      if (parsed.isEmpty()) {
        problems.add(
            where.apply("cache.stream-after")
                + ": \""
                + sa.get()
                + "\" (expected: "
                + Sizes.EXPECTED
                + ")");
      } else {
        streamAfter = parsed.get();
      }
    }

    // advisories: a source, a list of sources, or {sources: [...], refresh: 1h}.
    List<String> advisories = new java.util.ArrayList<>();
    Duration refresh = Duration.ofHours(1);
    JsonNode adv = root == null ? null : root.get("advisories");
    if (adv != null && !adv.isNull()) {
      JsonNode list = adv;
      if (adv.isObject()) {
        doc.get().allowOnly(adv, "advisories", Set.of("sources", "refresh"));
        list = adv.path("sources");
        refresh = duration(root, "advisories", "refresh", refresh, where, problems);
      }
      if (list.isTextual()) {
        advisories.add(list.asText());
      } else if (list.isArray()) {
        for (JsonNode n : list) {
          advisories.add(n.asText());
        }
      } else if (!list.isMissingNode()) {
        problems.add(
            where.apply("advisories")
                + ": expected a source, a list of sources, or {sources, refresh}");
      }
    }
    if (!flags.advisories().isEmpty()) {
      advisories = flags.advisories();
    }

    long maxSize = 0;
    Optional<String> ms = root == null ? Optional.empty() : text(root.get("cache"), "max-size");
    if (ms.isPresent()) {
      var parsed = Sizes.parse(ms.get());
      if (parsed.isEmpty()) {
        problems.add(
            where.apply("cache.max-size")
                + ": \""
                + ms.get()
                + "\" (expected: "
                + Sizes.EXPECTED
                + ")");
      } else {
        maxSize = parsed.get();
      }
    }

    // tls: {cert: FILE, key: FILE} serves https (relative paths: beside the config file).
    Optional<ServerConfig.Tls> tls = Optional.empty();
    JsonNode tlsNode = root == null ? null : root.get("tls");
    if (tlsNode != null && !tlsNode.isNull()) {
      doc.get().allowOnly(tlsNode, "tls", Set.of("cert", "key"));
      Optional<String> cert = text(tlsNode, "cert");
      Optional<String> key = text(tlsNode, "key");
      if (cert.isEmpty() || key.isEmpty()) {
        problems.add(where.apply("tls") + ": needs both cert and key (PEM files)");
      } else {
        Path c = base.resolve(cert.get());
        Path k = base.resolve(key.get());
        if (!java.nio.file.Files.isReadable(c)) {
          problems.add(where.apply("tls.cert") + ": " + c + " is not a readable file");
        }
        if (!java.nio.file.Files.isReadable(k)) {
          problems.add(where.apply("tls.key") + ": " + k + " is not a readable file");
        }
        tls = Optional.of(new ServerConfig.Tls(c, k));
      }
    }

    Optional<Path> tokensFile =
        root == null
            ? Optional.empty()
            : AuthConfig.tokensFile(doc.get(), configFile.get(), problems);
    Storage storage =
        doc.map(d -> StorageSection.read(d, root.get("storage"), problems))
            .orElseGet(Storage.FileSystem::new);

    TrustedProxies trusted = TrustedProxies.NONE;
    if (root != null && root.hasNonNull("trusted-proxies")) {
      JsonNode tp = root.get("trusted-proxies");
      var entries = new java.util.ArrayList<String>();
      if (tp.isArray()) {
        tp.forEach(n -> entries.add(n.asText()));
      } else {
        entries.add(tp.asText());
      }
      trusted = TrustedProxies.parse(entries, where.apply("trusted-proxies"), problems);
    }

    // Every problem at once, those found while walking the file first.
    doc.ifPresent(d -> problems.addAll(0, d.problems()));
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
    return new ServerConfig(
        host,
        port,
        upstreams,
        cacheDir,
        baseUrl,
        offline,
        ttl,
        staleAfter,
        connect,
        read,
        streamAfter,
        policy,
        advisories,
        refresh,
        Optional.empty(),
        tls,
        maxSize,
        egress,
        tokensFile,
        storage,
        limits,
        trusted);
  }

  /** {@code timeouts.request-headers}, {@code timeouts.idle} and the {@code limits:} section. */
  private static Limits limits(
      @Nullable JsonNode root, Function<String, String> where, List<String> problems) {
    Limits d = Limits.DEFAULTS;
    Duration headers =
        positive(root, "timeouts", "request-headers", d.requestHeaders(), where, problems);
    Duration idle = positive(root, "timeouts", "idle", d.idle(), where, problems);
    JsonNode sec = root == null ? null : root.get("limits");
    int all = count(sec, "connections", d.connections(), where, problems);
    int perClient = count(sec, "connections-per-client", d.connectionsPerClient(), where, problems);
    long file = size(sec, "file-size", d.fileSize(), where, problems);
    long page = size(sec, "page-size", d.pageSize(), where, problems);
    return new Limits(headers, idle, all, perClient, file, page);
  }

  private static int count(
      @Nullable JsonNode sec,
      String key,
      int dflt,
      Function<String, String> where,
      List<String> problems) {
    if (sec == null || !sec.hasNonNull(key)) {
      return dflt;
    }
    JsonNode v = sec.get(key);
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
      problems.add(where.apply("limits." + key) + ": " + v + " (expected: a whole number >= 1)");
      return dflt;
    }
    return v.intValue();
  }

  private static long size(
      @Nullable JsonNode sec,
      String key,
      long dflt,
      Function<String, String> where,
      List<String> problems) {
    Optional<String> t = text(sec, key);
    if (t.isEmpty()) {
      return dflt;
    }
    Optional<Long> parsed = Sizes.parse(t.get()).filter(n -> n > 0);
    if (parsed.isEmpty()) {
      problems.add(
          where.apply("limits." + key)
              + ": \""
              + t.get()
              + "\" (expected: a size > 0, like 64MB or 4GB)");
      return dflt;
    }
    return parsed.get();
  }

  /** A duration that must be more than zero: a zero timeout would fail every request at once. */
  private static Duration positive(
      @Nullable JsonNode root,
      String section,
      String key,
      Duration dflt,
      Function<String, String> where,
      List<String> problems) {
    JsonNode sec = root == null ? null : root.get(section);
    Optional<String> t = text(sec, key);
    Duration d = duration(root, section, key, dflt, where, problems);
    if (t.isPresent() && d.isZero()) {
      problems.add(
          where.apply(section + "." + key)
              + ": \""
              + t.get()
              + "\" (expected: a duration > 0, like 10s)");
      return dflt;
    }
    return d;
  }

  private static Optional<String> text(@Nullable JsonNode node, String key) {
    if (node == null || !node.hasNonNull(key)) {
      return Optional.empty();
    }
    JsonNode v = node.get(key);
    return v.isValueNode() ? Optional.of(v.asText()) : Optional.of(v.toString());
  }

  private static Optional<Boolean> bool(
      JsonNode node, String key, Function<String, String> where, List<String> problems) {
    if (node == null || !node.hasNonNull(key)) {
      return Optional.empty();
    }
    JsonNode v = node.get(key);
    if (!v.isBoolean()) {
      problems.add(where.apply(key) + ": " + v + " (expected: true or false)");
      return Optional.empty();
    }
    return Optional.of(v.booleanValue());
  }

  private static Duration duration(
      @Nullable JsonNode root,
      String section,
      String key,
      Duration dflt,
      Function<String, String> where,
      List<String> problems) {
    JsonNode sec = root == null ? null : root.get(section);
    Optional<String> t = text(sec, key);
    if (t.isEmpty()) {
      return dflt;
    }
    var d = Durations.parse(t.get());
    if (d.isEmpty()) {
      problems.add(
          where.apply(section + "." + key)
              + ": \""
              + t.get()
              + "\" (expected: "
              + Durations.EXPECTED
              + ")");
      return dflt;
    }
    return d.get();
  }
}
