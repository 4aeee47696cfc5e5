package dev.pypiguard.core.upstream;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One upstream index: where its simple API lives, which hosts it may send us to for files, and
 * the credentials it wants.
 *
 * @param name a short name, used in the cache layout, logs and explanations
 * @param simpleUrl the simple API root, ending in {@code /}
 * @param fileHosts extra {@code host:port} names that its pages may point files at
 * @param authorization the {@code Authorization} header value, never logged
 */
public record Upstream(
    String name, URI simpleUrl, Set<String> fileHosts, Optional<String> authorization) {
  public Upstream {
    String s = simpleUrl.toString();
    if (!s.endsWith("/")) {
      simpleUrl = URI.create(s + "/");
    }
    fileHosts = Set.copyOf(fileHosts);
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
          dir.getFileName() != null && dir.getFileName().toString().equals("simple")
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

  /** Adds this upstream's credentials to a request. */
  public void decorate(HttpRequest.Builder request) {
    authorization.ifPresent(a -> request.header("Authorization", a));
  }

  /** Upstream names in a list, for messages. */
  public static String names(List<Upstream> upstreams) {
    return String.join(", ", upstreams.stream().map(Upstream::name).toList());
  }
}
