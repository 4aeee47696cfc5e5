package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.cli.Main;
import dev.pypiguard.server.config.ConfigLoader;
import dev.pypiguard.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line and the config file: bad input gives one clear message and a non-zero exit. */
class CliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static ConfigLoader.Flags noFlags() {
    return new ConfigLoader.Flags(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        java.util.List.of());
  }

  @Test
  void unknownFlag_exits2WithOneLine() {
    Run r = run("serve", "--bogus");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--bogus'").doesNotContain("Exception");
  }

  @Test
  void version_printsVersion() {
    Run r = run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("pypi-guard ");
  }

  @Test
  void serveHelp_listsEveryFlag() {
    Run r = run("serve", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains(
            "--config",
            "--listen",
            "--upstream",
            "--cache-dir",
            "--policy",
            "--base-url",
            "--offline");
  }

  @Test
  void policyPrintDefault_printsTheBuiltInPolicyAsYaml_issue18() {
    Run r = run("policy", "--print-default");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(dev.pypiguard.policy.config.BuiltInPolicy.yaml())
        .contains(
            "minimum: 7d", "unknown: first-seen", "min-severity: high", "publisher-change: block");
    // What it prints is a policy file that judges as the built-in policy does.
    assertThat(dev.pypiguard.policy.config.PolicyLoader.parse("printed", r.out()).digest())
        .isEqualTo(dev.pypiguard.policy.config.BuiltInPolicy.policy().digest());
  }

  @Test
  void policyHelp_andNoOption_issue18() {
    Run help = run("policy", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--print-default", "built-in");
    Run none = run("policy");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("--print-default").doesNotContain("Exception");
    assertThat(run("--help").out()).contains("policy");
  }

  @Test
  void badListen_exits2NamingTheFlag() {
    Run r = run("serve", "--listen", "localhost:99999", "--cache-dir", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--listen").contains("99999").doesNotContain("\tat ");
  }

  @Test
  void configFile_unknownKey_namesFileLineAndKey() throws Exception {
    Path cfg = dir.resolve("pypi-guard.yaml");
    Files.writeString(cfg, "listen: 127.0.0.1:0\ncache:\n  page-ttl: 5m\n  bogus: 1\n");
    Run r = run("serve", "--config", cfg.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(cfg + ":4: cache.bogus: unknown key");
  }

  @Test
  void configFile_badDuration_namesLineAndExpectation() throws Exception {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, "cache:\n  page-ttl: soon\n");
    var e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            ConfigException.class, () -> ConfigLoader.load(Optional.of(cfg), noFlags()));
    assertThat(e.getMessage()).contains(cfg + ":2: cache.page-ttl: \"soon\" (expected: a duration");
  }

  @Test
  void configFile_invalidYaml_namesLine() throws Exception {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, "listen: [unclosed\n");
    Run r = run("serve", "--config", cfg.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(cfg.toString()).contains("not valid YAML");
  }

  @Test
  void configFile_missing_saysSo() {
    Run r = run("serve", "--config", dir.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("nope.yaml: no such file");
  }

  @Test
  void flags_overrideConfigFile() throws Exception {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(
        cfg,
        "listen: 127.0.0.1:9000\nupstream: http://a.example/simple/\noffline: false\n"
            + "cache:\n  page-ttl: 1h\ntimeouts:\n  connect: 3s\n");
    ServerConfig c =
        ConfigLoader.load(
            Optional.of(cfg),
            new ConfigLoader.Flags(
                Optional.of("127.0.0.1:0"),
                Optional.empty(),
                Optional.of(dir),
                Optional.empty(),
                Optional.empty(),
                true,
                java.util.List.of()));
    assertThat(c.port()).isZero();
    assertThat(c.offline()).isTrue();
    assertThat(c.upstreams().get(0).simpleUrl().toString()).isEqualTo("http://a.example/simple/");
    assertThat(c.pageTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.cacheDir()).isEqualTo(dir);
  }

  @Test
  void shippedConfig_isValid() {
    Path shipped = dev.pypiguard.policy.testing.Fixtures.file("shipped/conf/pypi-guard.yaml");
    ServerConfig c = ConfigLoader.load(Optional.of(shipped), noFlags());
    assertThat(c.port()).isEqualTo(8080);
  }

  @Test
  void portInUse_exits2WithClearMessage() throws Exception {
    try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run r =
          run(
              "serve",
              "--listen",
              "127.0.0.1:" + taken.getLocalPort(),
              "--cache-dir",
              dir.toString());
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  /**
   * Issue 14: an advisory source with an oversized entry is one line and exit 2, no stack trace.
   */
  @Test
  void advisoriesUpdate_oversizedEntry_oneLineExit2(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path zip = tmp.resolve("all.zip");
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
      z.putNextEntry(new java.util.zip.ZipEntry("PYSEC-1.json"));
      byte[] chunk = new byte[1 << 20];
      java.util.Arrays.fill(chunk, (byte) ' ');
      for (int i = 0; i < 17; i++) {
        z.write(chunk);
      }
      z.closeEntry();
    }
    Run r =
        run(
            "advisories",
            "update",
            "--advisories",
            zip.toString(),
            "--cache-dir",
            tmp.resolve("c").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("is larger than").doesNotContain("Exception");
  }
}
