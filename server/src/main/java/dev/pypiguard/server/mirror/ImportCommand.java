package dev.pypiguard.server.mirror;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.config.Storage;
import dev.pypiguard.server.storage.SharedStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pypi-guard import}: loads an exported mirror into a cache, all or nothing. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Load a mirror written by 'pypi-guard export' into a cache, so that 'pypi-guard serve'",
      "(with --offline, or with an upstream it cannot reach) serves it.",
      "Every file's size and sha256 is checked against IN_DIR/manifest.json first; a missing",
      "or altered file is named and the whole mirror is refused: nothing of it is imported.",
      "An incremental export (--since) imports on top of the earlier one.",
      "With storage: {type: s3} in --config, files and pages also go to the shared bucket,",
      "so that every replica serves them.",
      "Exit codes: 0 imported, 1 refused, 2 bad input.",
      ""
    })
public final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Config file (pypi-guard.yaml), for the cache directory and upstream name.")
  @Nullable Path config;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "The cache to load into (default: ~/.cache/pypi-guard).")
  @Nullable Path cacheDir;

  @Parameters(paramLabel = "IN_DIR", description = "An exported mirror (holding manifest.json).")
  Path in;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(in)) {
      throw new ConfigException(in + ": not a directory");
    }
    ServerConfig cfg =
        ConfigLoader.load(
            Optional.ofNullable(config),
            new ConfigLoader.Flags(
                Optional.empty(),
                Optional.empty(),
                Optional.ofNullable(cacheDir),
                Optional.empty(),
                Optional.empty(),
                false,
                java.util.List.of()));
    Files.createDirectories(cfg.cacheDir());
    // Pages go where the proxy will look for them: the owner's cache, else the first unowned
    // upstream's.
    Importer.Result r;
    try (var storage = SharedStorage.open(cfg.storage(), new SimpleMeterRegistry())) {
      if (storage.store().isPresent() && !storage.store().get().reachable()) {
        throw new ConfigException("storage: " + storage.health().get(0));
      }
      r =
          new Importer(
                  cfg.cacheDir(),
                  project ->
                      Upstream.serving(cfg.upstreams(), project).stream()
                          .findFirst()
                          .orElse(cfg.upstreams().get(0))
                          .name(),
                  storage.store())
              .load(in);
    }
    if (r instanceof Importer.Result.Refused refused) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("pypi-guard: refused " + in + ", nothing imported:");
      refused.problems().forEach(p -> err.println("  " + p));
      err.flush();
      return 1;
    }
    var ok = (Importer.Result.Imported) r;
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "imported %d file(s) of %d project(s) into %s%s%n",
        ok.files(),
        ok.projects(),
        cfg.cacheDir(),
        cfg.storage() instanceof Storage.S3 s3 ? " and " + s3.describe() : "");
    out.flush();
    return 0;
  }
}
