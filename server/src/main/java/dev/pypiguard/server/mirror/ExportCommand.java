package dev.pypiguard.server.mirror;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.rule.FileFirstSeen;
import dev.pypiguard.policy.rule.PolicyJudge;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.InspectionStore;
import dev.pypiguard.server.policy.JudgeRules;
import dev.pypiguard.server.policy.StoredMetadata;
import dev.pypiguard.server.policy.VerdictStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pypi-guard export}: writes the cache as a static mirror for an air-gapped side. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write what the cache holds as a self-contained static mirror in OUT_DIR:",
      "  simple/index.html, simple/index.json          the project list",
      "  simple/<project>/index.html and index.json    PEP 503 and PEP 691 pages, relative links",
      "  files/<project>/<file>[.metadata|.provenance]  artifacts, core metadata, provenance",
      "  manifest.json  {\"files\": [{path, sha256, size, upload-time, project, version,",
      "                  kind, decision, reasons}], \"pages\": [...], \"policy-version\"}",
      "Only files the cache holds and the policy allows now are exported, judged by the rules",
      "serve judges by: advisories, provenance verdicts, core metadata, inspection (a file never",
      "inspected is inspected now) and look-alike names. Any static web",
      "server can serve OUT_DIR to pip (--index-url http://HOST/simple/), and",
      "'pypi-guard serve --upstream file:OUT_DIR' serves it with the full proxy.",
      "--since MANIFEST writes only files that manifest does not list; pages stay complete,",
      "so the delta copied over the earlier tree (or imported after it) is whole again.",
      ""
    })
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "The cache to export (default: ~/.cache/pypi-guard).")
  Path cacheDir = Path.of(System.getProperty("user.home"), ".cache", "pypi-guard");

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "Policy the exported files must pass (default: the built-in policy: pypi-guard policy --print-default).")
  @Nullable Path policy;

  @Option(
      names = "--advisories",
      paramLabel = "PATH",
      description =
          "OSV advisories the exported files must pass, repeatable (default: what 'advisories update' imported into the cache, and the bundled malicious-packages snapshot).")
  java.util.List<String> advisories = new java.util.ArrayList<>();

  @Option(
      names = "--since",
      paramLabel = "MANIFEST",
      description = "An earlier export's manifest.json: write only what it lacks.")
  @Nullable Path since;

  @Parameters(
      paramLabel = "OUT_DIR",
      description = "Where to write the mirror (created if needed).")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    if (!Files.isDirectory(cacheDir.resolve("pages"))) {
      throw new ConfigException(
          "--cache-dir: " + cacheDir + " holds no cache (no pages/ directory)");
    }
    if (since != null && !Files.isRegularFile(since)) {
      throw new ConfigException("--since: " + since + ": no such file");
    }
    Policy p =
        policy == null
            ? dev.pypiguard.policy.config.BuiltInPolicy.policy()
            : PolicyLoader.load(policy);
    // The rules serve judges with (JudgeRules): the advisories, the provenance verdicts held, the
    // metadata rule, and the inspections and reviews in the cache directory.
    Optional<AdvisoryFeed> feed =
        AdvisoryFeed.open(
            dev.pypiguard.server.policy.DefaultAdvisorySources.resolve(
                advisories, cacheDir, java.util.List.of(), true),
            java.time.Duration.ZERO);
    try (var firstSeen = new FileFirstSeen(cacheDir.resolve("first-seen.tsv"));
        var known =
            new dev.pypiguard.policy.rule.FileKnownFiles(cacheDir.resolve("known-files.tsv"));
        var verdicts = new VerdictStore(cacheDir, 1);
        var inspections =
            new InspectionStore(
                cacheDir, Optional.empty(), new SimpleMeterRegistry(), Clock.systemUTC())) {
      // The metadata serve judged (advertised or generated), and the METADATA of stored wheels
      // that serve never generated, which export writes beside them.
      var metadata = new StoredMetadata();
      var served = new dev.pypiguard.server.http.GeneratedMetadata(cacheDir);
      var read = new java.util.concurrent.ConcurrentHashMap<String, String>();
      metadata.useGenerated(
          wheel -> served.sha256Of(wheel).or(() -> Optional.ofNullable(read.get(wheel))));
      var rules =
          new JudgeRules(feed, Optional.of(verdicts), metadata, Optional.of(inspections)).apply(p);
      var judge = new PolicyJudge(p, Clock.systemUTC(), firstSeen, known, rules);
      var exporter =
          new Exporter(cacheDir, judge, Optional.of(inspections), read, metadata::unreadable);
      metadata.use(exporter.store());
      Exporter.Summary s = exporter.export(out, Optional.ofNullable(since));
      w.printf(
          "exported %d project(s), %d file(s) (%s) to %s%s%n",
          s.projects(),
          s.files(),
          Progress.human(s.bytes()),
          out,
          since == null ? "" : "; " + s.skippedAsKnown() + " already in " + since);
      w.flush();
    } finally {
      feed.ifPresent(AdvisoryFeed::close);
    }
    return 0;
  }
}
