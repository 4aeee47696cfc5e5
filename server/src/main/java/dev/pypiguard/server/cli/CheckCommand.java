package dev.pypiguard.server.cli;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.upstream.PageFetch;
import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.core.upstream.UpstreamClient;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.rule.MetadataRule;
import dev.pypiguard.policy.rule.PolicyJudge;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.policy.AdvisoryFeed;
import dev.pypiguard.server.policy.VerdictStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pypi-guard check}: judges named releases with the same policy engine the server uses,
 * prints every file's decision with its reasons, and exits 0 when every release is allowed.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Judge releases against a policy, as the server would serve them.",
      "PROJECT alone judges the release pip would pick (the newest with an allowed file that",
      "is not yanked, final releases first). It reads serve's first sightings and known file",
      "hashes from the config's cache-dir, without writing.",
      "PROJECT==VERSION judges that release. A release is allowed when at least one of its",
      "files is; HELD when its files wait for an answer (OSV API, provenance).",
      "--file inspects a wheel or sdist (a path or an http(s) URL) as the server does",
      "when it stores one, and judges it by the policy's inspection and lookalikes rules.",
      "Exit codes: 0 all allowed, 1 any blocked, held or missing, 2 bad input or upstream error."
    })
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Config file (pypi-guard.yaml): its upstreams (ownership, credentials), egress, policy and advisories, as serve uses them.")
  @Nullable Path config;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "Policy file (default: the config's, else the built-in policy: pypi-guard policy --print-default).")
  @Nullable Path policy;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      description =
          "Upstream simple index (default: the config's upstreams, else https://pypi.org/simple/).")
  @Nullable String upstream;

  @Option(
      names = "--advisories",
      paramLabel = "PATH",
      description =
          "OSV advisories, repeatable: a directory, an OSV zip export, bundled, or osv-api (default: the config's, else as serve: imported, bundled, and osv-api in front of pypi.org).")
  List<String> advisories = new ArrayList<>();

  @Option(
      names = "--file",
      paramLabel = "PATH|URL",
      description =
          "A wheel or sdist to inspect, repeatable: a local file or an http(s) URL (the recommended inspection rules when the policy has no inspection section).")
  List<String> files = new ArrayList<>();

  @Parameters(paramLabel = "PROJECT[==VERSION]", arity = "0..*", description = "Releases to judge.")
  List<String> releases = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    // The same config serve reads: upstreams with their ownership and credentials, egress.
    ServerConfig cfg =
        ConfigLoader.load(
            Optional.ofNullable(config),
            new ConfigLoader.Flags(
                Optional.empty(),
                Optional.ofNullable(upstream),
                Optional.empty(),
                Optional.ofNullable(policy),
                Optional.empty(),
                false,
                advisories));
    Policy p =
        cfg.policyFile()
            .map(PolicyLoader::load)
            .orElse(dev.pypiguard.policy.config.BuiltInPolicy.policy());
    if (releases.isEmpty() && files.isEmpty()) {
      throw new ConfigException(
          "nothing to check (expected: PROJECT[==VERSION]... or --file PATH|URL)");
    }
    boolean filesOk = true;
    for (String f : files) {
      filesOk &= FileCheck.check(out, f, p, cfg);
    }
    if (releases.isEmpty()) {
      out.flush();
      return filesOk ? 0 : 1;
    }
    List<Upstream> upstreams = cfg.upstreams();
    Optional<AdvisoryFeed> feed =
        AdvisoryFeed.open(
            dev.pypiguard.server.policy.DefaultAdvisorySources.resolve(
                cfg.advisories(), cfg.cacheDir(), upstreams, cfg.offline()),
            java.time.Duration.ZERO,
            dev.pypiguard.server.EgressSettings.network(cfg.egress()));
    // Provenance is verified here as the server does, but kept only for this run: check has no
    // cache directory, so publisher-change sees only the releases on the page.
    Optional<Path> scratch = Optional.empty();
    Optional<VerdictStore> verdicts = Optional.empty();
    if (p.attestations().active()) {
      try {
        scratch = Optional.of(Files.createTempDirectory("pypi-guard-check"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      verdicts = Optional.of(new VerdictStore(scratch.get(), 4));
    }
    // Core metadata fetched here for the metadata rule, as serve fetches it before a download.
    // Also what serve stored and generated (wheels without advertised metadata), read only, so
    // that check agrees with serve on a wheel serve has read the METADATA of.
    var metadata = new java.util.concurrent.ConcurrentHashMap<String, String>();
    // Advertised metadata check could not get, or not with the page's sha256: the file is held,
    // as serve holds it (or answers with the failure), never judged as if it required nothing.
    var unreadable = new java.util.concurrent.ConcurrentHashMap<String, String>();
    java.time.Instant retry =
        Clock.systemUTC()
            .instant()
            .plus(dev.pypiguard.server.policy.StoredMetadata.UNREADABLE_HOLD);
    var served = new dev.pypiguard.server.policy.StoredMetadata();
    served.useReadOnly(cfg.cacheDir().resolve("blobs"));
    served.useGenerated(new dev.pypiguard.server.http.GeneratedMetadata(cfg.cacheDir())::sha256Of);
    MetadataRule.Source fetchedMetadata =
        new MetadataRule.Source() {
          @Override
          public Optional<String> text(String sha256) {
            return Optional.ofNullable(metadata.get(sha256)).or(() -> served.text(sha256));
          }

          @Override
          public String generation() {
            return "check";
          }

          @Override
          public Optional<String> generated(dev.pypiguard.core.blob.Sha256 fileSha256) {
            return served.generated(fileSha256);
          }

          @Override
          public Optional<MetadataRule.Unreadable> unreadable(String key) {
            return Optional.ofNullable(unreadable.get(key))
                .map(why -> new MetadataRule.Unreadable(why, retry));
          }
        };
    // The rules serve judges with (one factory for all commands); look-alike names need no
    // download, files on a page are not inspected here (use --file).
    var rules =
        new dev.pypiguard.server.policy.JudgeRules(
                feed, verdicts, fetchedMetadata, Optional.empty())
            .apply(p);
    // The server's first sightings and known file hashes, read and never written: check judges
    // a file first seen a week ago by serve as seen a week ago (issue 13), and a swap as a swap.
    var judge =
        new PolicyJudge(
            p,
            Clock.systemUTC(),
            dev.pypiguard.policy.rule.FileFirstSeen.readOnly(
                cfg.cacheDir().resolve("first-seen.tsv")),
            dev.pypiguard.policy.rule.FileKnownFiles.readOnly(
                cfg.cacheDir().resolve("known-files.tsv")),
            rules);
    boolean allOk = filesOk;
    // The feed, verdicts and scratch directory are released also when an upstream fails (exit 2).
    try (var client =
        new UpstreamClient(
            dev.pypiguard.server.EgressSettings.settings(
                cfg.egress(),
                new Upstream.Timeouts(cfg.connectTimeout(), cfg.readTimeout()),
                "pypi-guard-check/" + dev.pypiguard.server.BuildInfo.current()))) {
      for (String spec : releases) {
        int eq = spec.indexOf("==");
        String rawName = eq < 0 ? spec.trim() : spec.substring(0, eq).trim();
        Optional<String> wanted =
            eq < 0 ? Optional.empty() : Optional.of(spec.substring(eq + 2).trim());
        Optional<ProjectName> name = ProjectName.parse(rawName);
        if (name.isEmpty()) {
          throw new ConfigException("\"" + spec + "\" (expected: PROJECT or PROJECT==VERSION)");
        }
        Optional<Reason> hidden = judge.projectBlocked(name.get());
        Optional<Served> found = find(client, upstreams, name.get());
        if (found.isEmpty()) {
          out.printf(
              "%s: NOT FOUND on %s%n",
              spec, Upstream.names(Upstream.serving(upstreams, name.get().value())));
          allOk = false;
          continue;
        }
        Upstream u = found.get().upstream();
        var fetched = found.get().page();
        ProjectPage page =
            Negotiation.ofContentType(fetched.contentType()) == SimpleFormat.JSON_V1
                ? SimpleJson.parsePage(fetched.body(), fetched.url())
                : SimpleHtml.parsePage(fetched.body(), fetched.url(), name.get().value());
        feed.ifPresent(
            f ->
                f.prefetch(
                    name.get(),
                    AdvisoryFeed.versionsToAsk(page),
                    java.time.Duration.ofSeconds(20)));
        verdicts.ifPresent(v -> verify(v, client, u, page));
        fetchMetadata(client, u, page, wanted, metadata, unreadable);
        JudgedPage judged = judge.judge(u.name(), page);
        if (upstreams.size() > 1) {
          out.printf("%s: from upstream %s%n", name.get(), u.name());
        }
        allOk &= report(out, spec, name.get(), wanted, hidden, judged);
      }
    } finally {
      feed.ifPresent(AdvisoryFeed::close);
      verdicts.ifPresent(VerdictStore::close);
      scratch.ifPresent(CheckCommand::delete);
    }
    out.flush();
    return allOk ? 0 : 1;
  }

  /** A project page and the upstream it came from. */
  private record Served(Upstream upstream, PageFetch.Fetched page) {}

  /**
   * The page as serve resolves it: from the owning upstream alone, else from the first upstream
   * without {@code projects} that has it. An upstream that fails is an error (exit 2), not a
   * fall-through: check has no cache to tell whether the failing upstream holds the name.
   */
  private static Optional<Served> find(
      UpstreamClient client, List<Upstream> upstreams, ProjectName name) {
    for (Upstream u : Upstream.serving(upstreams, name.value())) {
      java.net.URI url = u.projectUrl(name.value());
      PageFetch fetch =
          client
              .page(
                  url,
                  Negotiation.upstreamAccept(),
                  Optional.empty(),
                  u.allowedHosts(),
                  u.decorateFor(url))
              .join();
      if (fetch instanceof PageFetch.Fetched f) {
        return Optional.of(new Served(u, f));
      }
      if (fetch instanceof PageFetch.Failed f) {
        throw new ConfigException(
            "upstream " + u.name() + " (" + u.simpleUrl() + "): " + f.reason());
      }
    }
    return Optional.empty();
  }

  /** Gets a verdict for every file of {@code page} that has provenance (waiting up to a minute). */
  private static void verify(
      VerdictStore verdicts, UpstreamClient client, Upstream u, ProjectPage page) {
    var pending = new ArrayList<java.util.concurrent.CompletableFuture<Void>>();
    for (var f : page.files()) {
      if (f.provenance().isEmpty() || f.sha256().isEmpty()) {
        continue;
      }
      // Composed: the verdict pool never waits for the fetch (issue 13).
      pending.add(
          verdicts.ensureAsync(
              f.digest().orElseThrow(),
              f.filename(),
              () -> {
                URI url;
                try {
                  url = URI.create(f.provenance().get());
                } catch (IllegalArgumentException e) {
                  return java.util.concurrent.CompletableFuture.completedFuture(
                      Optional.<VerdictStore.UpstreamProvenance>of(
                          new VerdictStore.UpstreamProvenance.Missing(
                              "the upstream gave an invalid provenance URL")));
                }
                return client
                    .page(
                        url,
                        "application/vnd.pypi.integrity.v1+json, application/json;q=0.5",
                        Optional.empty(),
                        u.allowedHosts(),
                        u.decorateFor(url))
                    .thenApply(
                        r -> {
                          if (r instanceof PageFetch.Fetched ok) {
                            return Optional.<VerdictStore.UpstreamProvenance>of(
                                new VerdictStore.UpstreamProvenance.Document(
                                    new String(
                                        ok.body(), java.nio.charset.StandardCharsets.UTF_8)));
                          }
                          return r instanceof PageFetch.NotFound
                              ? Optional.<VerdictStore.UpstreamProvenance>of(
                                  new VerdictStore.UpstreamProvenance.Missing(
                                      "the upstream has no provenance at " + url))
                              : Optional.<VerdictStore.UpstreamProvenance>empty();
                        });
              }));
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(
              pending.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // Files left without a verdict are reported as "provenance not verified yet".
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** At most this many core metadata files are fetched per page. */
  private static final int METADATA_FILES = 200;

  /**
   * Fetches the advertised core metadata of the page's files (of the wanted version, when one is
   * named), keeping each whose sha256 matches what the page says; why the others could not be read
   * goes into {@code unreadable}, by the advertised sha256.
   */
  private static void fetchMetadata(
      UpstreamClient client,
      Upstream u,
      ProjectPage page,
      Optional<String> wanted,
      Map<String, String> into,
      Map<String, String> unreadable) {
    int fetched = 0;
    Optional<Version> want = wanted.flatMap(Version::tryParse);
    // Newest first, as pip picks: where the page has more files than are read, the oldest are held.
    var newestFirst = new ArrayList<>(page.files());
    newestFirst.sort(
        Comparator.comparing(
            (dev.pypiguard.core.simple.FileEntry f) ->
                Version.tryParse(dev.pypiguard.policy.BaselineJudge.versionOf(page, f))
                    .orElse(null),
            Comparator.nullsLast(Comparator.reverseOrder())));
    for (var f : newestFirst) {
      Optional<String> sha = f.metadataSha256();
      String v = dev.pypiguard.policy.BaselineJudge.versionOf(page, f);
      if (sha.isEmpty()
          || into.containsKey(sha.get())
          || (want.isPresent() && !Version.tryParse(v).equals(want))) {
        continue;
      }
      String prefix = "core metadata could not be read: ";
      if (fetched >= METADATA_FILES) {
        // Not read is not "requires nothing": held, with what to do instead.
        unreadable.put(
            sha.get(),
            prefix
                + "check reads at most "
                + METADATA_FILES
                + " core metadata files of a page; name the version (PROJECT==VERSION)");
        continue;
      }
      fetched++;
      URI url;
      try {
        url = URI.create(f.url() + ".metadata");
      } catch (IllegalArgumentException e) {
        unreadable.put(sha.get(), prefix + "the upstream gave an invalid URL for it");
        continue;
      }
      PageFetch r =
          client.page(url, "*/*", Optional.empty(), u.allowedHosts(), u.decorateFor(url)).join();
      if (r instanceof PageFetch.Fetched ok) {
        String got = dev.pypiguard.core.blob.Sha256.of(ok.body()).hex();
        if (got.equals(sha.get())) {
          into.put(sha.get(), new String(ok.body(), java.nio.charset.StandardCharsets.UTF_8));
        } else {
          unreadable.put(
              sha.get(),
              prefix + "the page advertised sha256 " + sha.get() + ", the upstream gave " + got);
        }
      } else if (r instanceof PageFetch.Failed failed) {
        unreadable.put(sha.get(), prefix + url + ": " + failed.reason());
      } else {
        unreadable.put(sha.get(), prefix + url + ": the upstream has no such file");
      }
    }
  }

  private static void delete(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }

  /** Prints one release's decision; returns whether it is allowed. */
  private static boolean report(
      PrintWriter out,
      String spec,
      ProjectName name,
      Optional<String> wanted,
      Optional<Reason> hidden,
      JudgedPage judged) {
    // Files grouped by version, newest first (invalid versions last, by string).
    Map<String, List<FileDecision>> byVersion =
        new TreeMap<>(
            Comparator.comparing(
                    (String v) -> Version.tryParse(v).orElse(null),
                    Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(Comparator.reverseOrder()));
    for (FileDecision d : judged.files()) {
      byVersion.computeIfAbsent(d.version(), k -> new ArrayList<>()).add(d);
    }
    String version;
    if (wanted.isPresent()) {
      Optional<Version> w = Version.tryParse(wanted.get());
      version =
          byVersion.keySet().stream()
              .filter(
                  v -> v.equals(wanted.get()) || (w.isPresent() && Version.tryParse(v).equals(w)))
              .findFirst()
              .orElse(null);
      if (version == null) {
        out.printf("%s: NOT FOUND (no files of version %s)%n", spec, wanted.get());
        return false;
      }
    } else {
      version = pipWouldPick(byVersion).orElse(null);
      if (version == null) {
        out.printf("%s: BLOCKED (no version has an allowed file pip would pick)%n", spec);
        hidden.ifPresent(r -> out.printf("  %s%n", r));
        byVersion.values().stream()
            .findFirst()
            .ifPresent(files -> files.forEach(d -> print(out, d)));
        return false;
      }
    }
    List<FileDecision> files = java.util.Objects.requireNonNull(byVersion.get(version));
    boolean allowed = files.stream().anyMatch(d -> d.decision().allowed());
    boolean held = !allowed && files.stream().anyMatch(d -> d.decision().label().equals("hold"));
    out.printf("%s==%s: %s%n", name, version, allowed ? "ALLOWED" : held ? "HELD" : "BLOCKED");
    files.forEach(d -> print(out, d));
    return allowed;
  }

  /**
   * The version pip would install for a bare {@code PROJECT}: the newest with an allowed file that
   * is not yanked (PEP 592: yanked files are only for exact pins), final releases before
   * pre-releases (pip takes a pre-release only when nothing else is left).
   */
  static Optional<String> pipWouldPick(Map<String, List<FileDecision>> newestFirst) {
    Optional<String> pre = Optional.empty();
    for (Map.Entry<String, List<FileDecision>> e : newestFirst.entrySet()) {
      boolean installable =
          e.getValue().stream()
              .anyMatch(d -> d.decision().allowed() && !d.file().yanked().yanked());
      Optional<Version> v = Version.tryParse(e.getKey());
      if (!installable || v.isEmpty()) {
        continue;
      }
      if (!v.get().isPrerelease()) {
        return Optional.of(e.getKey());
      }
      if (pre.isEmpty()) {
        pre = Optional.of(e.getKey());
      }
    }
    return pre;
  }

  private static void print(PrintWriter out, FileDecision d) {
    out.printf(
        "  %s: %s%s%n",
        d.file().filename(),
        d.decision().label(),
        d.file().yanked().yanked()
            ? " (yanked" + d.file().yanked().reason().map(r -> ": " + r).orElse("") + ")"
            : "");
    for (Reason r : d.decision().reasons()) {
      out.printf("    %s%n", r);
    }
  }
}
