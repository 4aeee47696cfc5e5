package dev.pypiguard.server.policy;

import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.policy.advisory.BundledSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The advisory sources used when none is named (README "Advisories"), so that the first command
 * already knows known-malicious releases: what {@code advisories update} imported into {@code
 * <cache-dir>/advisories/}, the {@link BundledSnapshot}, and the OSV API when an upstream is PyPI
 * itself and the server is not offline. Only the choice of sources lives here; how a release the
 * OSV API has not answered for is judged is the advisory rule's business.
 *
 * <p>The OSV API is a default only in front of pypi.org: a server that reaches PyPI reaches the
 * internet, where api.osv.dev is; one in front of a private or local mirror may be in an air gap,
 * where every look-up would fail. There, {@code --advisories osv-api} turns it on.
 */
public final class DefaultAdvisorySources {
  /** PyPI's host: the sign that the server is on the internet. */
  static final String PYPI_HOST = "pypi.org";

  private DefaultAdvisorySources() {}

  /**
   * The sources named ({@code --advisories} or the config's {@code advisories}), which replace
   * every default; else the defaults.
   *
   * @param named the sources the operator named
   * @param cacheDir where {@code advisories update} imports
   * @param upstreams the upstreams served (none for commands that only read the cache)
   * @param offline whether the server never contacts anything
   */
  public static List<String> resolve(
      List<String> named, Path cacheDir, List<Upstream> upstreams, boolean offline) {
    if (!named.isEmpty()) {
      return named;
    }
    var out = new ArrayList<>(imported(cacheDir));
    out.add(BundledSnapshot.SPEC);
    if (!offline && upstreams.stream().anyMatch(DefaultAdvisorySources::isPypi)) {
      out.add("osv-api");
    }
    return out;
  }

  /** The zips {@code advisories update} imported into {@code <cacheDir>/advisories/}, sorted. */
  static List<String> imported(Path cacheDir) {
    Path dir = cacheDir.resolve("advisories");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".zip"))
          .sorted()
          .map(Path::toString)
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static boolean isPypi(Upstream u) {
    String host = u.simpleUrl().getHost();
    return host != null && host.toLowerCase(Locale.ROOT).equals(PYPI_HOST);
  }
}
