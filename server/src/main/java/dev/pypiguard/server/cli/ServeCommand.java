package dev.pypiguard.server.cli;

import dev.pypiguard.server.ProxyServer;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pypi-guard serve}: runs the proxy until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the proxy. Flags override the config file; both override the defaults.",
      "Logs 'listening on http://HOST:PORT' once serving; stops gracefully on SIGTERM/SIGINT."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Config file (pypi-guard.yaml); keys mirror these flags, and only a file says"
              + " upstreams (several, with owned projects and credentials), egress (proxy, CA bundle), tls,"
              + " auth (tokens file), cache, timeouts, limits (connections, sizes) and storage (s3);"
              + " conf/pypi-guard.yaml shows every key.")
  @Nullable Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Address to serve on (default: 127.0.0.1:8080; port 0 picks a free port).")
  @Nullable String listen;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      description =
          "Upstream simple index, PEP 503/691, or file:DIR for a local mirror tree (default: https://pypi.org/simple/).")
  @Nullable String upstream;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description =
          "Artifact store and page cache; survives restarts (default: ~/.cache/pypi-guard). With storage: {type: s3} in the config, this replica's local tier.")
  @Nullable Path cacheDir;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "Policy file (see policies.example.yaml; default: the built-in policy, which 'pypi-guard policy --print-default' prints).")
  @Nullable Path policy;

  @Option(
      names = "--advisories",
      paramLabel = "PATH",
      description = {
        "OSV advisories, repeatable: a directory of OSV JSON/YAML files, an OSV zip export",
        "(PyPI/all.zip), bundled (the OpenSSF malicious-packages snapshot shipped with",
        "pypi-guard), or osv-api (osv-api:URL for another server) for online look-ups.",
        "Naming any replaces the defaults: what 'advisories update' imported, bundled, and",
        "osv-api when the upstream is pypi.org and not --offline (--advisories bundled: no",
        "look-ups leave the machine)."
      })
  java.util.List<String> advisories = new java.util.ArrayList<>();

  @Option(
      names = "--record",
      paramLabel = "FILE",
      description = {
        "Append every file served to FILE as a requirements line (name==version --hash=sha256:...),",
        "so that 'pypi-guard seed -r FILE' later mirrors exactly what pip fetched."
      })
  @Nullable Path record;

  @Option(
      names = "--base-url",
      paramLabel = "URL",
      description =
          "External URL used in links, behind a load balancer (default: from the request's Host).")
  @Nullable String baseUrl;

  @Option(
      names = "--offline",
      description = "Never contact the upstream; serve what the cache holds.")
  boolean offline;

  @Override
  public Integer call() throws Exception {
    ServerConfig cfg =
        ConfigLoader.load(
            Optional.ofNullable(config),
            new ConfigLoader.Flags(
                Optional.ofNullable(listen),
                Optional.ofNullable(upstream),
                Optional.ofNullable(cacheDir),
                Optional.ofNullable(policy),
                Optional.ofNullable(baseUrl),
                offline,
                advisories));
    ProxyServer server = ProxyServer.start(cfg.withRecordFile(Optional.ofNullable(record)));
    Thread hook = new Thread(server::close, "pypi-guard-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    server.awaitClose();
    return 0;
  }
}
