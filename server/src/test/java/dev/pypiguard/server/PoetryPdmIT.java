package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: Debian's poetry (1.3.2) and pdm (2.2.1) lock through the proxy, in front of an upstream
 * that names metadata the pre-PEP 714 way, with a release held back by the cooldown and shown as
 * yanked ({@code files.blocked: yank}): they pick the allowed release.
 */
class PoetryPdmIT {
  @TempDir Path dir;

  private Harness start() throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "release-age: {minimum: 7d}\nfiles: {blocked: yank}\n");
    Harness h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
    h.upstream.legacyMetadataNames(true);
    FileOptions old =
        FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30)));
    h.upstream.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build(), old);
    h.upstream.publish(WheelBuilder.of("beta", "2.0").build(), old);
    h.upstream.publish(
        WheelBuilder.of("alpha", "2.0").build(),
        FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(1))));
    return h;
  }

  private static void assume(String tool) {
    dev.pypiguard.testing.RequiredTool.require(
        Files.isExecutable(Path.of("/usr/bin/" + tool)),
        tool + " is not installed (apt-get install -y python3-" + tool + ")");
  }

  /** Runs a command in {@code project} with a private HOME and caches; output and exit code. */
  private String run(Path project, List<String> cmd, int[] exit) throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path log = dir.resolve("run.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.keySet()
        .removeIf(
            k ->
                k.startsWith("PIP_")
                    || k.startsWith("POETRY_")
                    || k.startsWith("PDM_")
                    || k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    env.put("POETRY_CACHE_DIR", home.resolve("poetry-cache").toString());
    env.put("PIP_CONFIG_FILE", "/dev/null");
    env.put("PDM_CHECK_UPDATE", "false");
    // poetry asks the desktop keyring for source credentials; without a session it fails.
    env.put("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      exit[0] = -1;
    } else {
      exit[0] = p.exitValue();
    }
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  @Test
  void poetryLock_throughProxy_picksTheAllowedRelease() throws Exception {
    assume("poetry");
    try (Harness h = start()) {
      Path project = Files.createDirectories(dir.resolve("poetry-project"));
      Files.writeString(
          project.resolve("pyproject.toml"),
          """
          [tool.poetry]
          name = "consumer"
          version = "0.1.0"
          description = ""
          authors = ["Test <test@example.com>"]

          [tool.poetry.dependencies]
          python = "^3.11"
          alpha = "*"

          [[tool.poetry.source]]
          name = "guard"
          url = "%s"
          default = true

          [build-system]
          requires = ["poetry-core"]
          build-backend = "poetry.core.masonry.api"
          """
              .formatted(h.index()));
      int[] exit = new int[1];
      String out = run(project, List.of("poetry", "lock", "--no-interaction"), exit);

      assertThat(exit[0]).as(out).isZero();
      String lock = Files.readString(project.resolve("poetry.lock"));
      assertThat(lock)
          .contains("name = \"alpha\"\nversion = \"1.0\"")
          .contains("name = \"beta\"\nversion = \"2.0\"")
          .doesNotContain("alpha-2.0");
    }
  }

  @Test
  void pdmLock_throughProxy_picksTheAllowedRelease() throws Exception {
    assume("pdm");
    try (Harness h = start()) {
      Path project = Files.createDirectories(dir.resolve("pdm-project"));
      Files.writeString(
          project.resolve("pyproject.toml"),
          """
          [project]
          name = "consumer"
          version = "0.1.0"
          requires-python = ">=3.11"
          dependencies = ["alpha"]

          [[tool.pdm.source]]
          name = "pypi"
          url = "%s"
          verify_ssl = false
          """
              .formatted(h.index()));
      int[] exit = new int[1];
      String out = run(project, List.of("pdm", "lock", "--no-isolation"), exit);

      assertThat(exit[0]).as(out).isZero();
      assertThat(out).doesNotContain("Traceback");
      String lock = Files.readString(project.resolve("pdm.lock"));
      assertThat(lock)
          .contains("name = \"alpha\"\nversion = \"1.0\"")
          .contains("name = \"beta\"\nversion = \"2.0\"");
    }
  }
}
