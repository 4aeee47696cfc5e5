package dev.pypiguard.policy.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pypiguard.core.project.ProjectName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 17: names that imitate popular ones, and none of the real ones held. */
class LookalikesTest {
  private final Lookalikes names =
      new Lookalikes(PopularProjects.bundled(), List.of("mycorp-core"));

  private Optional<String> target(String name) {
    return names.imitation(name).map(Lookalikes.Imitation::target);
  }

  @Test
  void bundled_listsTheFixtureInDownloadOrder() {
    assertThat(PopularProjects.bundled())
        .hasSize(15_000)
        .startsWith("boto3", "packaging", "setuptools");
  }

  @Test
  void imitation_typosAndConfusableForms_nameTheTarget() {
    assertThat(target("reqeusts")).contains("requests");
    assertThat(target("requestss")).contains("requests");
    assertThat(target("python-requests")).contains("requests");
    assertThat(target("requests-py")).contains("requests");
    assertThat(names.imitation("requests2"))
        .contains(new Lookalikes.Imitation("requests", "a version digit added to", true));
    assertThat(target("nurnpy")).contains("numpy");
    assertThat(target("dj4ngo")).contains("django");
    assertThat(target("beautifu1soup4")).contains("beautifulsoup4");
    assertThat(target("mycorp-c0re")).contains("mycorp-core");
    assertThat(names.imitation("reqeusts").get().how()).isEqualTo("one edit from");
  }

  @Test
  void imitation_popularOrUnrelatedNames_isNothing() {
    assertThat(target("requests")).isEmpty();
    assertThat(target("urllib3")).isEmpty();
    assertThat(target("python-dateutil")).isEmpty();
    assertThat(target("my-own-tool-nobody-uses")).isEmpty();
    // Short names are too close to everything to judge by distance.
    assertThat(target("sax")).isEmpty();
  }

  @Test
  void distance_countsSwapsAsOneEdit() {
    assertThat(Lookalikes.distance("requests", "reqeusts", 2)).isEqualTo(1);
    assertThat(Lookalikes.distance("abcdef", "uvwxyz", 2)).isEqualTo(3);
  }

  /** Every project of this machine's local indexes that pip installs from: none is held. */
  @Test
  void imitation_localIndexProjects_noneHeld() throws IOException {
    var projects = new TreeSet<String>();
    for (String root : List.of("/opt/pypi/simple", "/opt/pypi-more/simple")) {
      Path r = Path.of(root);
      if (Files.isDirectory(r)) {
        try (Stream<Path> s = Files.list(r)) {
          s.filter(Files::isDirectory)
              .forEach(p -> projects.add(ProjectName.normalize(p.getFileName().toString())));
        }
      }
    }
    Path wheels = Path.of("/opt/wheels");
    if (Files.isDirectory(wheels)) {
      try (Stream<Path> s = Files.list(wheels)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".whl"))
            .forEach(n -> projects.add(ProjectName.normalize(n.substring(0, n.indexOf('-')))));
      }
    }
    assumeTrue(!projects.isEmpty(), "no local index on this machine");
    var held = new ArrayList<String>();
    for (String p : projects) {
      names
          .imitation(p)
          .filter(i -> !i.weak())
          .ifPresent(i -> held.add(p + " ~ " + i.target() + " (" + i.how() + ")"));
    }
    assertThat(held).isEmpty();
  }
}
