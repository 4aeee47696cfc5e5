package dev.pypiguard.server.mirror;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.requirement.Requirement;
import dev.pypiguard.server.ProxyServer;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pypi-guard seed}: fills the cache through the policy for an air-gapped mirror. It starts
 * the proxy in-process on 127.0.0.1 (a free port) and drives it over HTTP like pip would.
 */
@Command(
    name = "seed",
    mixinStandardHelpOptions = true,
    description = {
      "Fill the cache through the policy, ahead of an export to an air-gapped side.",
      "",
      "Runs the proxy in-process on 127.0.0.1 (a free port) and fetches through it what",
      "'pip install -r' would need: for each requirement, the newest allowed version matching",
      "it, its files for every --python/--platform target, its core metadata and provenance,",
      "then its dependencies (Requires-Dist, markers evaluated per target). --project takes",
      "every allowed version of a project (--latest N: the newest N by upload time).",
      "Pure wheels and sdists are always kept; platform wheels only for a --platform given.",
      "Files already in the cache are not fetched again: an interrupted seed resumes.",
      "Exit codes: 0 all seeded, 1 something named could not be satisfied, 2 bad input.",
      "",
      "Example: pypi-guard seed -r requirements.txt --python 3.11 --python 3.12 \\",
      "           --platform manylinux_2_28_x86_64 --policy policies.yaml",
      ""
    })
public final class SeedCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Config file (pypi-guard.yaml), as for serve.")
  @Nullable Path config;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      description = "Upstream simple index, or file:DIR (default: https://pypi.org/simple/).")
  @Nullable String upstream;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "The cache to fill (default: ~/.cache/pypi-guard).")
  @Nullable Path cacheDir;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "Policy file; only what it allows is seeded (default: the built-in policy: pypi-guard policy --print-default).")
  @Nullable Path policy;

  @Option(
      names = {"-r", "--requirement"},
      paramLabel = "FILE",
      description =
          "A pip requirements file (repeatable): pins, ranges, --hash, markers, -r includes.")
  List<Path> requirements = new ArrayList<>();

  @Option(
      names = "--project",
      paramLabel = "NAME",
      description = "Seed every allowed version of a project (repeatable).")
  List<String> projects = new ArrayList<>();

  @Option(
      names = "--latest",
      paramLabel = "N",
      description = "With --project: only the newest N versions by upload time.")
  @Nullable Integer latest;

  @Option(
      names = "--python",
      paramLabel = "X.Y",
      description = "Target Python version (repeatable; default: any, markers on it kept).")
  List<String> pythons = new ArrayList<>();

  @Option(
      names = "--platform",
      paramLabel = "TAG",
      description =
          "Wheel platform tag to include, e.g. manylinux_2_28_x86_64, win_amd64 (repeatable).")
  List<String> platforms = new ArrayList<>();

  @Option(names = "--jobs", paramLabel = "N", description = "Parallel downloads (default: 4).")
  int jobs = 4;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (requirements.isEmpty() && projects.isEmpty()) {
      throw new ConfigException("seed: name something to seed with -r FILE or --project NAME");
    }
    if (latest != null && (latest < 1 || projects.isEmpty())) {
      throw new ConfigException("--latest: expected a positive number, with --project");
    }
    if (jobs < 1 || jobs > 64) {
      throw new ConfigException("--jobs: " + jobs + " (expected: 1 to 64)");
    }
    for (String p : pythons) {
      if (!p.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        throw new ConfigException("--python: \"" + p + "\" (expected: a version like 3.11)");
      }
    }
    List<Requirement> reqs = new ArrayList<>();
    for (Path r : requirements) {
      reqs.addAll(RequirementsFile.read(r));
    }
    List<ProjectName> names = new ArrayList<>();
    for (String p : projects) {
      names.add(
          ProjectName.parse(p)
              .orElseThrow(
                  () -> new ConfigException("--project: \"" + p + "\" is not a project name")));
    }
    List<Target> targets = new ArrayList<>();
    for (String py : pythons.isEmpty() ? List.of("") : pythons) {
      // Each platform is its own target: markers on sys_platform differ between them.
      for (String pl : platforms.isEmpty() ? List.of("") : platforms) {
        targets.add(
            new Target(
                py.isEmpty() ? Optional.empty() : Optional.of(py),
                pl.isEmpty() ? List.of() : List.of(pl)));
      }
    }
    ServerConfig cfg =
        ConfigLoader.load(
                Optional.ofNullable(config),
                new ConfigLoader.Flags(
                    Optional.of("127.0.0.1:0"),
                    Optional.ofNullable(upstream),
                    Optional.ofNullable(cacheDir),
                    Optional.ofNullable(policy),
                    Optional.empty(),
                    false,
                    java.util.List.of()))
            // A seed reads the upstream as it is now: cached pages are revalidated, not trusted.
            .withPageTtl(java.time.Duration.ZERO)
            // The in-process server is the seeder's alone: plain http on loopback, links to itself,
            // no client auth, and online whatever the config serves with.
            .edit(
                b -> {
                  b.baseUrl = Optional.empty();
                  b.tls = Optional.empty();
                  b.tokensFile = Optional.empty();
                  b.offline = false;
                });
    try (ProxyServer server = ProxyServer.start(cfg)) {
      FileSystemBlobStore store = server.store();
      var seeder =
          new Seeder(
              server.uri(), store, targets, jobs, new Progress(out, System.console() != null));
      Seeder.Outcome o =
          seeder.run(reqs, names, latest == null ? OptionalInt.empty() : OptionalInt.of(latest));
      out.printf(
          "seeded %d release(s), %d file(s) into %s%n", o.releases(), o.files(), cfg.cacheDir());
      out.flush();
      if (!o.problems().isEmpty()) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("pypi-guard: seed could not satisfy:");
        o.problems().forEach(p -> err.println("  " + p));
        err.flush();
        return 1;
      }
      return 0;
    }
  }
}
