package dev.pypiguard.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.requirement.Marker;
import dev.pypiguard.core.requirement.Requirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requirements files, seed targets and wheel-tag compatibility as the seeder reads them. */
class RequirementsTest {
  @TempDir Path dir;

  @Test
  void read_pinnedUnpinnedHashesCommentsIncludes_allRequirements() throws Exception {
    String hash = "a".repeat(64);
    Files.writeString(dir.resolve("base.txt"), "gamma>=1 ; python_version < \"3.0\"\n");
    Files.writeString(
        dir.resolve("req.txt"),
        String.join(
            "\n",
            "# a comment",
            "-i https://example.invalid/simple/",
            "Alpha==1.0 \\",
            "    --hash=sha256:" + hash + "  # pinned",
            "beta[Fast_Extra]",
            "-r base.txt",
            ""));

    List<Requirement> reqs = RequirementsFile.read(dir.resolve("req.txt"));

    assertThat(reqs)
        .extracting(Requirement::toString)
        .containsExactly("alpha==1.0", "beta[fast-extra]", "gamma>=1");
    assertThat(reqs.get(0).hashes()).containsExactly(hash);
    assertThat(reqs.get(0).origin()).endsWith("req.txt:3");
    assertThat(reqs.get(2).marker()).isPresent();
  }

  @Test
  void read_editableOrBadHash_namesFileAndLine() throws Exception {
    Files.writeString(dir.resolve("a.txt"), "alpha\n-e ./src\n");
    Files.writeString(dir.resolve("b.txt"), "alpha --hash=md5:abc\n");
    assertThatThrownBy(() -> RequirementsFile.read(dir.resolve("a.txt")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a.txt:2");
    assertThatThrownBy(() -> RequirementsFile.read(dir.resolve("b.txt")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("b.txt:1")
        .hasMessageContaining("sha256");
  }

  @Test
  void environment_perTarget_fixesTheMarkerVariablesItKnows() {
    assertThat(
            new Target(Optional.of("3.11"), List.of("manylinux_2_28_x86_64"))
                .environment(Set.of("socks")))
        .isEqualTo(
            new Marker.Environment(
                Map.of(
                    "python_version",
                    "3.11",
                    "python_full_version",
                    "3.11.0",
                    "implementation_name",
                    "cpython",
                    "platform_python_implementation",
                    "CPython",
                    "sys_platform",
                    "linux",
                    "platform_system",
                    "Linux",
                    "os_name",
                    "posix",
                    "platform_machine",
                    "x86_64"),
                Set.of("socks")));
    assertThat(new Target(Optional.of("3.8"), List.of("win_amd64")).environment(Set.of()).values())
        .containsEntry("sys_platform", "win32")
        .containsEntry("os_name", "nt")
        .containsEntry("platform_machine", "AMD64");
    assertThat(new Target(Optional.empty(), List.of()).environment(Set.of()).values()).isEmpty();
    // A requirement read for a target keeps what the target's markers say (PEP 508 markers are
    // core.requirement's).
    Requirement r =
        Requirement.parse("beta ; python_version >= '3.9' and sys_platform == 'linux'", "x");
    assertThat(
            r.marker()
                .orElseThrow()
                .keeps(
                    new Target(Optional.of("3.11"), List.of("manylinux_2_28_x86_64"))
                        .environment(Set.of())))
        .isTrue();
    assertThat(
            r.marker()
                .orElseThrow()
                .keeps(new Target(Optional.of("3.8"), List.of("win_amd64")).environment(Set.of())))
        .isFalse();
  }

  @Test
  void installs_wheelTagsAgainstTargets_expected() {
    var t = new Target(Optional.of("3.11"), List.of("manylinux_2_28_x86_64"));
    var pureOnly = new Target(Optional.of("3.11"), List.of());
    assertThat(t.installs(f("a-1.0-py3-none-any.whl"))).isTrue();
    assertThat(t.installs(f("a-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")))
        .isTrue();
    assertThat(t.installs(f("a-1.0-cp311-cp311-manylinux_2_34_x86_64.whl"))).isFalse();
    assertThat(t.installs(f("a-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"))).isFalse();
    assertThat(t.installs(f("a-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"))).isTrue();
    assertThat(t.installs(f("a-1.0-cp311-cp311-win_amd64.whl"))).isFalse();
    assertThat(pureOnly.installs(f("a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"))).isFalse();
    assertThat(pureOnly.installs(f("a-1.0.tar.gz"))).isTrue();
    assertThat(t.admits(Optional.of(">=3.12"))).isFalse();
    assertThat(t.admits(Optional.of(">=3.8"))).isTrue();
  }

  private static DistributionFilename f(String name) {
    return DistributionFilename.parse(name).orElseThrow();
  }
}
