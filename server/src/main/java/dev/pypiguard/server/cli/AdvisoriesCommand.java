package dev.pypiguard.server.cli;

import dev.pypiguard.policy.advisory.Advisory;
import dev.pypiguard.policy.advisory.AdvisoryDatabase;
import dev.pypiguard.server.policy.AdvisoryFeed;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pypi-guard advisories}: OSV data ahead of time. */
@Command(
    name = "advisories",
    mixinStandardHelpOptions = true,
    description = "OSV advisory data.",
    subcommands = {AdvisoriesCommand.Update.class})
final class AdvisoriesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code advisories update}: validates sources and imports file sources into the cache. */
  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Read OSV sources now, report what they hold, and import file sources into",
        "<cache-dir>/advisories/ as zip files. 'serve' without --advisories uses what was",
        "imported there, so an air-gapped proxy can take a copied PyPI/all.zip. osv-api has",
        "nothing to import: it is asked at serve time. Exit 0 when every source was read, 2 otherwise."
      })
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--advisories", required = true, paramLabel = "PATH",
        description = "Source, repeatable: a directory of OSV files, an OSV zip export, or osv-api.")
    List<String> advisories = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE",
        description = "Config file (pypi-guard.yaml): import into its cache-dir, where serve looks.")
    Path config;

    @Option(names = "--cache-dir", paramLabel = "DIR",
        description = "Cache directory (default: the config's cache-dir, else ~/.cache/pypi-guard).")
    Path cacheDir;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Path dir = dev.pypiguard.server.config.ConfigLoader.load(java.util.Optional.ofNullable(config),
          new dev.pypiguard.server.config.ConfigLoader.Flags(java.util.Optional.empty(), java.util.Optional.empty(),
              java.util.Optional.ofNullable(cacheDir), java.util.Optional.empty(), java.util.Optional.empty(), false,
              List.of())).cacheDir();
      Path target = dir.resolve("advisories");
      for (String source : advisories) {
        try (AdvisoryFeed feed = AdvisoryFeed.open(List.of(source), Duration.ZERO).orElseThrow()) {
          AdvisoryDatabase db = feed.sources().database();
          long malicious = db.size() == 0 ? 0 : countMalicious(feed);
          out.printf("%s: %d PyPI records (%d malicious)%n", source, db.size(), malicious);
          feed.health().stream().skip(1).forEach(l -> out.printf("  %s%n", l));
        }
        Path p = Path.of(source);
        if (Files.isRegularFile(p)) {
          Files.createDirectories(target);
          Path tmp = Files.createTempFile(target, "import", ".part");
          Files.copy(p, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, target.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
          out.printf("  imported into %s%n", target.resolve(p.getFileName()));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(target);
          Path zip = target.resolve(p.toAbsolutePath().normalize().getFileName() + ".zip");
          zipDirectory(p, zip);
          out.printf("  imported into %s%n", zip);
        }
      }
      out.flush();
      return 0;
    }

    private static long countMalicious(AdvisoryFeed feed) {
      return feed.sources().database().allRecords().stream().filter(Advisory::malicious).count();
    }

    private static void zipDirectory(Path dir, Path zip) throws IOException {
      Path tmp = Files.createTempFile(zip.getParent(), "import", ".part");
      try (OutputStream os = Files.newOutputStream(tmp); var zos = new ZipOutputStream(os);
          Stream<Path> files = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          String name = dir.relativize(f).toString().replace('\\', '/');
          if (!(name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml"))) {
            continue;
          }
          zos.putNextEntry(new ZipEntry(name));
          Files.copy(f, zos);
          zos.closeEntry();
        }
      }
      Files.move(tmp, zip, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
