package dev.pypiguard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.Durations;
import dev.pypiguard.core.config.YamlDocument;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.core.upstream.Upstream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code upstreams:} list and the {@code egress:} section of {@code pypi-guard.yaml}.
 *
 * <p>Secrets come from the value itself (usually {@code ${ENV}}) or from a {@code *-file} key (its
 * content, trailing newline removed). They end up in headers only, never in a message.
 */
final class UpstreamsConfig {
  private static final Set<String> UPSTREAM_KEYS =
      Set.of(
          "name",
          "url",
          "projects",
          "username",
          "password",
          "password-file",
          "token",
          "token-file",
          "timeouts",
          "file-hosts");
  private static final Set<String> EGRESS_KEYS =
      Set.of("proxy", "username", "password", "password-file", "ca-bundle", "no-proxy");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-]+(:\\d{1,5})?");

  private final YamlDocument doc;
  private final Path base;

  UpstreamsConfig(YamlDocument doc, Path base) {
    this.doc = doc;
    this.base = base;
  }

  /** Parses {@code upstreams:}; problems are recorded in the document. */
  List<Upstream> upstreams(JsonNode list) {
    var result = new ArrayList<Upstream>();
    if (!list.isArray() || list.isEmpty()) {
      doc.problem("upstreams", "expected a list of upstreams, each with name and url");
      return result;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "upstreams[" + i + "]";
      JsonNode u = list.get(i);
      if (!u.isObject()) {
        doc.problem(at, "expected a mapping with name and url");
        continue;
      }
      doc.allowOnly(u, at, UPSTREAM_KEYS);
      Optional<String> name = text(u, "name", at);
      if (name.isEmpty()) {
        doc.problem(at, "needs a name (a short word like pypi or private)");
      } else if (!NAME.matcher(name.get()).matches()) {
        doc.problem(
            at + ".name",
            "\"" + name.get() + "\" (expected: lower-case letters, digits, '.', '_', '-')");
      } else if (!names.add(name.get())) {
        doc.problem(at + ".name", "\"" + name.get() + "\" names two upstreams");
      }
      Optional<String> url = text(u, "url", at);
      if (url.isEmpty()) {
        doc.problem(at, "needs a url (a PEP 503/691 simple index, or file:DIR)");
      }
      Optional<URI> simple = url.flatMap(t -> simpleUrl(t, m -> doc.problem(at + ".url", m)));
      // Everything is checked, also when the name or url is wrong: one pass fixes the file.
      List<Glob> projects = globs(u.get("projects"), at + ".projects");
      Optional<String> authorization = authorization(u, at);
      Set<String> hosts = fileHosts(u.get("file-hosts"), at + ".file-hosts");
      Optional<Upstream.Timeouts> timeouts = timeouts(u.get("timeouts"), at + ".timeouts");
      if (simple.isPresent() && name.isPresent()) {
        result.add(
            Upstream.of(name.get(), simple.get())
                .withProjects(projects)
                .withAuthorization(authorization)
                .withFileHosts(hosts)
                .withTimeouts(timeouts));
      }
    }
    return result;
  }

  private List<Glob> globs(JsonNode node, String at) {
    var globs = new ArrayList<Glob>();
    if (node == null || node.isNull()) {
      return globs;
    }
    JsonNode list =
        node.isTextual()
            ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(node)
            : node;
    if (!list.isArray()) {
      doc.problem(at, "expected a list of project-name globs, like [\"mycorp-*\"]");
      return globs;
    }
    for (JsonNode g : list) {
      try {
        globs.add(Glob.parse(g.asText()));
      } catch (IllegalArgumentException e) {
        doc.problem(at, String.valueOf(e.getMessage()));
      }
    }
    return globs;
  }

  private Set<String> fileHosts(JsonNode node, String at) {
    var hosts = new LinkedHashSet<String>();
    if (node == null || node.isNull()) {
      return hosts;
    }
    if (!node.isArray()) {
      doc.problem(at, "expected a list of host or host:port names");
      return hosts;
    }
    for (JsonNode h : node) {
      String t = h.asText().toLowerCase(Locale.ROOT);
      if (!HOST_PORT.matcher(t).matches()) {
        doc.problem(at, "\"" + h.asText() + "\" (expected: host or host:port)");
        continue;
      }
      hosts.add(t.contains(":") ? t : t + ":443");
      if (!t.contains(":")) {
        hosts.add(t + ":80");
      }
    }
    return hosts;
  }

  private Optional<Upstream.Timeouts> timeouts(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isObject()) {
      doc.problem(at, "expected {connect: 5s, read: 30s}");
      return Optional.empty();
    }
    doc.allowOnly(node, at, Set.of("connect", "read"));
    Duration connect = duration(node, "connect", at, Duration.ofSeconds(5));
    Duration read = duration(node, "read", at, Duration.ofSeconds(10));
    return Optional.of(new Upstream.Timeouts(connect, read));
  }

  private Duration duration(JsonNode node, String key, String at, Duration dflt) {
    if (!node.hasNonNull(key)) {
      return dflt;
    }
    var d = Durations.parse(node.get(key).asText());
    if (d.isEmpty() || d.get().isZero()) {
      doc.problem(
          at + "." + key,
          "\"" + node.get(key).asText() + "\" (expected: " + Durations.EXPECTED + ")");
      return dflt;
    }
    return d.get();
  }

  /** {@code Basic} from username and password, {@code Bearer} from a token. */
  private Optional<String> authorization(JsonNode u, String at) {
    Optional<String> user = text(u, "username", at);
    Optional<String> password = secret(u, "password", at);
    Optional<String> token = secret(u, "token", at);
    if (token.isPresent() && (user.isPresent() || password.isPresent())) {
      doc.problem(at, "give either username and password, or a token, not both");
      return Optional.empty();
    }
    if (token.isPresent()) {
      return Optional.of("Bearer " + token.get());
    }
    if (user.isPresent() != password.isPresent()) {
      doc.problem(
          at,
          user.isPresent()
              ? "username needs password or password-file"
              : "password needs a username");
      return Optional.empty();
    }
    return user.map(
        name ->
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        (name + ":" + password.get()).getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code key} or {@code key-file}, not both; an empty secret is a problem. */
  Optional<String> secret(JsonNode node, String key, String at) {
    boolean inline = node.hasNonNull(key);
    boolean file = node.hasNonNull(key + "-file");
    if (inline && file) {
      doc.problem(at, "give " + key + " or " + key + "-file, not both");
      return Optional.empty();
    }
    if (inline) {
      String v = node.get(key).asText();
      if (v.isEmpty()) {
        doc.problem(at + "." + key, "is empty");
        return Optional.empty();
      }
      return Optional.of(v);
    }
    if (!file) {
      return Optional.empty();
    }
    Path p = base.resolve(node.get(key + "-file").asText());
    try {
      String v = Files.readString(p, StandardCharsets.UTF_8).strip();
      if (v.isEmpty()) {
        doc.problem(at + "." + key + "-file", p + " is empty");
        return Optional.empty();
      }
      return Optional.of(v);
    } catch (IOException | RuntimeException e) {
      doc.problem(at + "." + key + "-file", p + " cannot be read");
      return Optional.empty();
    }
  }

  /** Parses {@code egress:}; problems are recorded in the document. */
  ServerConfig.Egress egress(JsonNode node) {
    if (node == null || node.isNull()) {
      return ServerConfig.Egress.DIRECT;
    }
    if (!node.isObject()) {
      doc.problem("egress", "expected {proxy: URL, ca-bundle: FILE}");
      return ServerConfig.Egress.DIRECT;
    }
    doc.allowOnly(node, "egress", EGRESS_KEYS);
    Optional<URI> proxy = Optional.empty();
    Optional<String> user = text(node, "username", "egress");
    Optional<String> password = secret(node, "password", "egress");
    Optional<String> proxyText = text(node, "proxy", "egress");
    if (proxyText.isPresent()) {
      try {
        URI u = new URI(proxyText.get());
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
          throw new URISyntaxException(proxyText.get(), "not http");
        }
        if (u.getRawUserInfo() != null) {
          // http://user:password@proxy:3128: the user info is taken apart and never logged.
          String info = u.getUserInfo();
          int colon = info.indexOf(':');
          user = user.or(() -> Optional.of(colon < 0 ? info : info.substring(0, colon)));
          if (colon >= 0) {
            String pw = info.substring(colon + 1);
            password = password.or(() -> Optional.of(pw));
          }
        }
        int port = u.getPort() < 0 ? (scheme.equals("https") ? 443 : 80) : u.getPort();
        proxy = Optional.of(new URI(scheme, null, u.getHost(), port, null, null, null));
      } catch (URISyntaxException e) {
        doc.problem(
            "egress.proxy",
            "expected a URL like http://proxy.corp:3128 (credentials in it or in username/password)");
      }
    }
    if (user.isPresent() != password.isPresent()) {
      doc.problem("egress", "proxy credentials need both a user name and a password");
    }
    if (proxy.isEmpty() && user.isPresent()) {
      doc.problem("egress", "credentials without a proxy");
    }
    Optional<Path> caBundle = text(node, "ca-bundle", "egress").map(base::resolve);
    if (caBundle.isPresent() && !Files.isReadable(caBundle.get())) {
      doc.problem("egress.ca-bundle", caBundle.get() + " is not a readable file");
    }
    List<String> noProxy = new ArrayList<>();
    JsonNode np = node.get("no-proxy");
    if (np != null && !np.isNull()) {
      if (!np.isArray()) {
        doc.problem(
            "egress.no-proxy", "expected a list of host names (a leading '.' matches subdomains)");
      } else {
        np.forEach(h -> noProxy.add(h.asText().toLowerCase(Locale.ROOT)));
      }
    }
    Optional<String> proxyUser = user;
    return new ServerConfig.Egress(
        proxy, proxyUser, password.filter(p -> proxyUser.isPresent()), caBundle, noProxy);
  }

  private Optional<String> text(JsonNode node, String key, String at) {
    if (!node.hasNonNull(key)) {
      return Optional.empty();
    }
    JsonNode v = node.get(key);
    if (!v.isValueNode()) {
      doc.problem(at + "." + key, "expected a single value");
      return Optional.empty();
    }
    return Optional.of(v.asText());
  }

  /**
   * The simple URL of an upstream: an http(s) URL, or {@code file:DIR} for a local mirror tree.
   * What is wrong with a bad one goes to {@code problem}.
   */
  static Optional<URI> simpleUrl(String text, java.util.function.Consumer<String> problem) {
    String upstream = text;
    if (upstream.regionMatches(true, 0, "file:", 0, 5)) {
      // README "Commands" (--upstream) and "Air-gapped mirrors": file:DIR, a local mirror tree (a
      // static PEP 503 tree or an export).
      var local = LocalMirror.simpleUrl(upstream);
      if (local.isEmpty()) {
        problem.accept("\"" + upstream + "\" (expected: file:DIR, a directory holding simple/)");
      }
      return local;
    }
    try {
      URI uri = new URI(upstream);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        problem.accept(
            "\""
                + upstream
                + "\" (expected: an http or https URL of a simple index, like https://pypi.org/simple/)");
        return Optional.empty();
      }
      if (uri.getRawUserInfo() != null) {
        problem.accept("put credentials in username/password or token, not in the URL");
        return Optional.empty();
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      problem.accept("\"" + upstream + "\" (expected: a URL)");
      return Optional.empty();
    }
  }
}
