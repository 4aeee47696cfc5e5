package dev.pypiguard.server.cli;

import dev.pypiguard.core.io.DurableFile;
import dev.pypiguard.policy.advisory.Advisory;
import dev.pypiguard.policy.advisory.AdvisoryDatabase;
import dev.pypiguard.server.policy.AdvisoryFeed;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jspecify.annotations.Nullable;
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
  /** OSV's export of every record that concerns PyPI (https://google.github.io/osv.dev/data). */
  static final String OSV_EXPORT =
      "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

  /** The name a downloaded export is imported under: one file, replaced by the next update. */
  static final String EXPORT_FILE = "osv-PyPI-all.zip";

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
        "Refresh the advisory data serve uses without --advisories. With no --advisories,",
        "download OSV's PyPI export (every PYSEC-, GHSA- and MAL- record: --from, default",
        AdvisoriesCommand.OSV_EXPORT + ")",
        "through the config's egress; with --advisories, read those sources now. Either way,",
        "report what they hold and import file sources into <cache-dir>/advisories/ as zip",
        "files, where serve, check and export find them beside the bundled malicious-packages",
        "snapshot (a newer copy of a record wins). In an air gap, copy PyPI/all.zip across",
        "and import it with --advisories. osv-api has nothing to import: it is asked at serve",
        "time. Exit 0 when every source was read, 2 otherwise."
      })
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--advisories",
        paramLabel = "PATH",
        description =
            "Source, repeatable: a directory of OSV files, an OSV zip export, or osv-api (default: download --from).")
    List<String> advisories = new ArrayList<>();

    @Option(
        names = "--from",
        paramLabel = "URL",
        description =
            "Where to download the OSV PyPI export from without --advisories (a mirror of it).")
    java.net.URI from = java.net.URI.create(OSV_EXPORT);

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "Config file (pypi-guard.yaml): import into its cache-dir, where serve looks.")
    @Nullable Path config;

    @Option(
        names = "--cache-dir",
        paramLabel = "DIR",
        description =
            "Cache directory (default: the config's cache-dir, else ~/.cache/pypi-guard).")
    @Nullable Path cacheDir;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      var cfg =
          dev.pypiguard.server.config.ConfigLoader.load(
              java.util.Optional.ofNullable(config),
              new dev.pypiguard.server.config.ConfigLoader.Flags(
                  java.util.Optional.empty(),
                  java.util.Optional.empty(),
                  java.util.Optional.ofNullable(cacheDir),
                  java.util.Optional.empty(),
                  java.util.Optional.empty(),
                  false,
                  List.of()));
      Path target = cfg.cacheDir().resolve("advisories");
      if (advisories.isEmpty()) {
        return download(out, cfg, target);
      }
      for (String source : advisories) {
        try (AdvisoryFeed feed = AdvisoryFeed.open(List.of(source), Duration.ZERO).orElseThrow()) {
          AdvisoryDatabase db = feed.sources().database();
          long malicious = db.size() == 0 ? 0 : countMalicious(feed);
          out.printf("%s: %d PyPI records (%d malicious)%n", source, db.size(), malicious);
          feed.health().stream().skip(1).forEach(l -> out.printf("  %s%n", l));
        }
        Path p = Path.of(source);
        if (Files.isRegularFile(p)) {
          DurableFile.copy(p, target.resolve(p.getFileName()));
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

    /**
     * Downloads the OSV export to a temporary file beside its place, checks that it reads as OSV
     * records, and only then moves it over the earlier import: a failed or truncated download
     * leaves the earlier data in force.
     */
    private int download(PrintWriter out, dev.pypiguard.server.config.ServerConfig cfg, Path target)
        throws IOException {
      String scheme = String.valueOf(from.getScheme()).toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || from.getHost() == null) {
        throw new dev.pypiguard.core.config.ConfigException(
            "--from: \"" + from + "\" (expected: an http(s) URL of an OSV zip export)");
      }
      Path dest = target.resolve(EXPORT_FILE);
      try (DurableFile download = DurableFile.beside(dest)) {
        Path tmp = download.temp();
        var builder =
            java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL);
        dev.pypiguard.server.EgressSettings.network(cfg.egress()).accept(builder);
        var response =
            send(
                builder.build(),
                java.net.http.HttpRequest.newBuilder(from)
                    .timeout(Duration.ofMinutes(10))
                    .header("User-Agent", "pypi-guard/" + dev.pypiguard.server.BuildInfo.current())
                    .GET()
                    .build(),
                tmp);
        if (response.statusCode() != 200) {
          throw new dev.pypiguard.core.config.ConfigException(
              "advisories update: "
                  + from
                  + " answered HTTP "
                  + response.statusCode()
                  + "; the earlier data stays");
        }
        var summary = summarise(tmp);
        if (summary.records() == 0) {
          throw new dev.pypiguard.core.config.ConfigException(
              "advisories update: " + from + " holds no PyPI OSV records; the earlier data stays");
        }
        download.commit();
        out.printf(
            "%s: %d PyPI records (%d malicious)%s%n",
            from,
            summary.records(),
            summary.malicious(),
            summary.newest().map(t -> ", as of " + t.toString().substring(0, 10)).orElse(""));
        out.printf("  imported into %s%n", dest);
        out.flush();
        return 0;
      }
    }

    private static java.net.http.HttpResponse<Path> send(
        java.net.http.HttpClient http, java.net.http.HttpRequest request, Path into) {
      try {
        // Java 17's client is not AutoCloseable; its threads are daemons and end with the command.
        return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofFile(into));
      } catch (IOException e) {
        throw new dev.pypiguard.core.config.ConfigException(
            "advisories update: cannot download "
                + request.uri()
                + ": "
                + e
                + "; the earlier data stays");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new dev.pypiguard.core.config.ConfigException("advisories update: interrupted");
      }
    }

    /** What a downloaded zip holds; an unreadable one is refused. */
    private dev.pypiguard.policy.advisory.AdvisorySources.Summary summarise(Path zip) {
      try {
        var sources =
            dev.pypiguard.policy.advisory.AdvisorySources.load(
                List.of(new dev.pypiguard.policy.advisory.OsvZipSource(zip)));
        return sources.summaries().get(0);
      } catch (IOException | RuntimeException e) {
        throw new dev.pypiguard.core.config.ConfigException(
            "advisories update: "
                + from
                + " is not an OSV zip export ("
                + e.getMessage()
                + "); the earlier data stays");
      }
    }

    private static long countMalicious(AdvisoryFeed feed) {
      return feed.sources().database().allRecords().stream().filter(Advisory::malicious).count();
    }

    private static void zipDirectory(Path dir, Path zip) throws IOException {
      DurableFile.write(
          zip,
          os -> {
            try (var zos = new ZipOutputStream(os);
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
          });
    }
  }
}
