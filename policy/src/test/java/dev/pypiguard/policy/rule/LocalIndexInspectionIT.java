package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.Inspector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, false positives are a defect: every real wheel and sdist of this machine's local
 * indexes ({@code /opt/wheels}, {@code /opt/pypi}, {@code /opt/pypi-more}, {@code PIP_FIND_LINKS})
 * passes the recommended policy with no block and no hold. Skipped where there is none.
 */
class LocalIndexInspectionIT {
  /** The distributions of the local indexes, when this machine has any. */
  static List<Path> localDistributions() throws IOException {
    Set<String> roots = new LinkedHashSet<>(List.of("/opt/wheels", "/opt/pypi", "/opt/pypi-more"));
    String links = System.getenv("PIP_FIND_LINKS");
    if (links != null) {
      for (String l : links.split("\\s+")) {
        if (!l.isBlank() && !l.contains("://")) {
          roots.add(l);
        }
      }
    }
    var files = new ArrayList<Path>();
    for (String root : roots) {
      Path r = Path.of(root);
      if (!Files.isDirectory(r)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(r)) {
        s.filter(Files::isRegularFile)
            .filter(
                p -> {
                  String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                  return n.endsWith(".whl")
                      || n.endsWith(".tar.gz")
                      || n.endsWith(".zip")
                      || n.endsWith(".tar.bz2")
                      || n.endsWith(".tgz")
                      || n.endsWith(".tar.xz");
                })
            .forEach(files::add);
      }
    }
    return files;
  }

  /**
   * Every file judged under the recommended policy's inspection and look-alike rules (from
   * policies.example.yaml), grouped into one page per project as an upstream would list them:
   * nothing is blocked or held. Name, version, command and release-history checks run here too.
   */
  @Test
  void recommendedPolicy_everyLocalDistribution_noBlockNoHold() throws IOException {
    List<Path> files = localDistributions();
    assumeTrue(!files.isEmpty(), "no local index on this machine");
    Policy example =
        PolicyLoader.load(
            dev.pypiguard.policy.testing.Fixtures.file("shipped/policies.example.yaml"));
    Policy p =
        new Policy(
            Policy.Mode.ENFORCE,
            Policy.Projects.NONE,
            Policy.Versions.NONE,
            Policy.ReleaseAge.OFF,
            Policy.Files.DEFAULTS,
            List.of(),
            AdvisoryPolicy.DEFAULTS,
            AttestationPolicy.NONE,
            Policy.Metadata.DEFAULTS,
            example.inspection(),
            example.lookalikes());
    var store = new InspectionRuleTest.MapInspections();
    var inspector = new Inspector();
    var byProject = new TreeMap<String, List<FileEntry>>();
    int wheels = 0;
    for (Path f : files) {
      String filename = f.getFileName().toString();
      Optional<DistributionFilename> d = DistributionFilename.parse(filename);
      if (d.isEmpty()) {
        continue;
      }
      Inspection i = inspector.inspect(f, Optional.of(filename));
      wheels += i.kind() == Inspection.Kind.WHEEL ? 1 : 0;
      // A stand-in key: the rules only look inspections up by it.
      String key = Sha256.of(f.toString().getBytes(StandardCharsets.UTF_8)).hex();
      store.inspections.put(key, i);
      byProject
          .computeIfAbsent(d.get().project().value(), k -> new ArrayList<>())
          .add(
              new FileEntry(
                  filename,
                  "https://files.example/" + filename,
                  Map.of("sha256", key),
                  Optional.empty(),
                  Yanked.NO,
                  OptionalLong.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Map.of()));
    }
    store.gen.incrementAndGet();
    var judge =
        new PolicyJudge(
            p,
            Clock.systemUTC(),
            new InMemoryFirstSeen(),
            List.of(
                new InspectionRule(p.inspection(), store),
                new LookalikeRule(p.lookalikes(), store)));
    var refused = new ArrayList<String>();
    int judged = 0;
    for (var e : byProject.entrySet()) {
      var page =
          new ProjectPage(
              e.getKey(),
              "1.1",
              Map.of(),
              e.getValue(),
              Optional.empty(),
              Optional.empty(),
              Map.of());
      for (FileDecision d : judge.judge("local", page).files()) {
        judged++;
        if (!d.decision().allowed()) {
          refused.add(d.file().filename() + ": " + d.decision().reasons());
        }
      }
    }
    assertThat(refused).isEmpty();
    assertThat(wheels).isPositive();
    assertThat(judged).isEqualTo(store.inspections.size());
  }
}
