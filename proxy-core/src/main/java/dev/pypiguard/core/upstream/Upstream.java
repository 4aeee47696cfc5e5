package dev.pypiguard.core.upstream;

import dev.pypiguard.core.project.Glob;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One upstream index: where its simple API lives, which hosts it may send us to for files, the
 * credentials it wants, the projects it owns and how long to wait for it.
 *
 * @param name a short name, used in the cache layout, logs and explanations
 * @param simpleUrl the simple API root, ending in {@code /}
 * @param fileHosts extra {@code host:port} names that its pages may point files at
 * @param authorization the {@code Authorization} header value, sent to the index's own host only
 *     and never logged
 * @param projects the names this upstream owns: they are served by it alone, never by another
 *     upstream, also while it is down (empty: it owns none)
 * @param timeouts connect and read timeouts of its own, when set; else the server's
 */
public record Upstream(
    String name,
    URI simpleUrl,
    Set<String> fileHosts,
    Optional<String> authorization,
    List<Glob> projects,
    Optional<Timeouts> timeouts) {

  /** Connect and read timeouts (read: time to a page, or between bytes of a file). */
  public record Timeouts(Duration connect, Duration read) {}

  public Upstream {
    String s = simpleUrl.toString();
    if (!s.endsWith("/")) {
      simpleUrl = URI.create(s + "/");
    }
    fileHosts = Set.copyOf(fileHosts);
    projects = List.copyOf(projects);
  }

  public Upstream(
      String name, URI simpleUrl, Set<String> fileHosts, Optional<String> authorization) {
    this(name, simpleUrl, fileHosts, authorization, List.of(), Optional.empty());
  }

  /** A copy that owns the projects {@code globs} match. */
  public Upstream withProjects(List<Glob> globs) {
    return new Upstream(name, simpleUrl, fileHosts, authorization, globs, timeouts);
  }

  /** A copy that sends {@code header} as its {@code Authorization}. */
  public Upstream withAuthorization(Optional<String> header) {
    return new Upstream(name, simpleUrl, fileHosts, header, projects, timeouts);
  }

  /** A copy with timeouts of its own. */
  public Upstream withTimeouts(Optional<Timeouts> t) {
    return new Upstream(name, simpleUrl, fileHosts, authorization, projects, t);
  }

  /** A copy that may also point files at {@code hosts} ({@code host:port}). */
  public Upstream withFileHosts(Set<String> hosts) {
    var all = new LinkedHashSet<String>(fileHosts);
    all.addAll(hosts);
    return new Upstream(name, simpleUrl, all, authorization, projects, timeouts);
  }

  /** Whether this upstream owns a normalized project name (dependency-confusion protection). */
  public boolean owns(String normalizedName) {
    for (Glob g : projects) {
      if (g.matches(normalizedName)) {
        return true;
      }
    }
    return false;
  }

  /**
   * An upstream with PyPI's file host added when it is pypi.org. A {@code file:} simple URL is a
   * local mirror: reads are confined to the tree holding it (the parent of a {@code simple}
   * directory, where an export keeps {@code files/}).
   */
  public static Upstream of(String name, URI simpleUrl) {
    var hosts = new LinkedHashSet<String>();
    if (LocalTree.handles(simpleUrl)) {
      java.nio.file.Path dir = java.nio.file.Path.of(simpleUrl).toAbsolutePath().normalize();
      java.nio.file.Path root =
          dir.getFileName() != null
                  && dir.getFileName().toString().equals("simple")
                  && dir.getParent() != null
              ? dir.getParent()
              : dir;
      hosts.add(LocalTree.ROOT_PREFIX + root);
    }
    if ("pypi.org".equalsIgnoreCase(simpleUrl.getHost())) {
      hosts.add("files.pythonhosted.org:443");
    }
    return new Upstream(name, simpleUrl, hosts, Optional.empty());
  }

  /** Every host this upstream may make us contact: its own and its file hosts. */
  public Set<String> allowedHosts() {
    var all = new LinkedHashSet<String>(fileHosts);
    all.add(UpstreamClient.hostOf(simpleUrl));
    return all;
  }

  /** The page URL of a normalized project name. */
  public URI projectUrl(String normalizedName) {
    return simpleUrl.resolve(normalizedName + "/");
  }

  /**
   * Adds this upstream's credentials to a request. The client applies it only to requests to the
   * index's own host: a file host or a redirect elsewhere never sees them.
   */
  public void decorate(HttpRequest.Builder request) {
    authorization.ifPresent(a -> request.header("Authorization", a));
  }

  /** The credentials for a request to {@code url}: this upstream's own host only. */
  public Consumer<HttpRequest.Builder> decorateFor(URI url) {
    return UpstreamClient.hostOf(url).equals(UpstreamClient.hostOf(simpleUrl))
        ? this::decorate
        : b -> {};
  }

  /** Never prints the credentials. */
  @Override
  public String toString() {
    return "Upstream["
        + name
        + " "
        + simpleUrl
        + (authorization.isPresent() ? " (with credentials)" : "")
        + (projects.isEmpty() ? "" : " owns " + projects)
        + "]";
  }

  /**
   * The upstreams that may serve {@code normalizedName}, in order (README "Several upstreams, and
   * no dependency confusion"): the first upstream whose {@code projects} globs match it, alone (it
   * owns the name: no other upstream is ever asked); else every upstream without {@code projects}
   * ("everything not owned above"), of which the first that has the name serves it. Empty when all
   * upstreams own globs and none matches.
   */
  public static List<Upstream> serving(List<Upstream> upstreams, String normalizedName) {
    for (Upstream u : upstreams) {
      if (u.owns(normalizedName)) {
        return List.of(u);
      }
    }
    return upstreams.stream().filter(u -> u.projects().isEmpty()).toList();
  }

  /** Upstream names in a list, for messages. */
  public static String names(List<Upstream> upstreams) {
    return String.join(", ", upstreams.stream().map(Upstream::name).toList());
  }
}
