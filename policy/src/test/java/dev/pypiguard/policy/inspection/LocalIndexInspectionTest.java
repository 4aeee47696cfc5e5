package dev.pypiguard.policy.inspection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, false positives are a defect: every real wheel and sdist of this machine's local
 * indexes ({@code /opt/wheels}, {@code /opt/pypi}, {@code /opt/pypi-more}, {@code PIP_FIND_LINKS})
 * has no high-severity finding, which the recommended policy blocks. Skipped where there is none.
 */
class LocalIndexInspectionTest {
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
        s.filter(Files::isRegularFile).filter(p -> {
          String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
          return n.endsWith(".whl") || n.endsWith(".tar.gz") || n.endsWith(".zip") || n.endsWith(".tar.bz2")
              || n.endsWith(".tgz") || n.endsWith(".tar.xz");
        }).forEach(files::add);
      }
    }
    return files;
  }

  @Test
  void inspect_everyLocalDistribution_hasNoHighFinding() throws IOException {
    List<Path> files = localDistributions();
    assumeTrue(!files.isEmpty(), "no local index on this machine");
    var inspector = new Inspector();
    var high = new ArrayList<String>();
    int wheels = 0;
    for (Path f : files) {
      Inspection i = inspector.inspect(f, Optional.of(f.getFileName().toString()));
      wheels += i.kind() == Inspection.Kind.WHEEL ? 1 : 0;
      for (Finding x : i.findings()) {
        if (x.severity() == Finding.Severity.HIGH) {
          high.add(f.getFileName() + ": " + x.describe());
        }
      }
    }
    assertThat(high).isEmpty();
    assertThat(wheels).isPositive();
  }
}
