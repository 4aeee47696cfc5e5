package dev.pypiguard.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstreams:} and {@code ${ENV}} as the config file spells them, and every way to get them
 * wrong.
 */
class UpstreamsConfigTest {
  @TempDir Path dir;

  private static ConfigLoader.Flags noFlags() {
    return new ConfigLoader.Flags(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        List.of());
  }

  private ServerConfig load(Map<String, String> env, String... lines) throws Exception {
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(config, String.join("\n", lines) + "\n");
    return ConfigLoader.load(Optional.of(config), noFlags(), env::get);
  }

  @Test
  void fullList_parsed_inOrder_withOwnershipCredentialsAndTimeouts() throws Exception {
    Files.writeString(dir.resolve("token"), "tok-123\n");
    ServerConfig c =
        load(
            Map.of("USER", "ci"),
            "upstreams:",
            "  - name: private",
            "    url: https://pypi.mycorp.example/simple/",
            "    projects: [\"mycorp-*\", Internal_Lib]",
            "    username: ${USER}",
            "    password: ${PASS:-fallback}",
            "    timeouts: {connect: 1s, read: 500ms}",
            "  - name: mirror",
            "    url: https://mirror.example/simple",
            "    token-file: token",
            "    file-hosts: [cdn.mirror.example]",
            "  - name: pypi",
            "    url: https://pypi.org/simple/");
    assertThat(c.upstreams())
        .extracting(u -> u.name())
        .containsExactly("private", "mirror", "pypi");
    var priv = c.upstreams().get(0);
    assertThat(priv.owns("mycorp-tools")).isTrue();
    assertThat(priv.owns("internal-lib")).isTrue();
    assertThat(priv.owns("requests")).isFalse();
    assertThat(priv.authorization())
        .contains(
            "Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString(
                        "ci:fallback".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(priv.timeouts().get().read()).isEqualTo(Duration.ofMillis(500));
    var mirror = c.upstreams().get(1);
    assertThat(mirror.simpleUrl().toString()).isEqualTo("https://mirror.example/simple/");
    assertThat(mirror.authorization()).contains("Bearer tok-123");
    assertThat(mirror.allowedHosts()).contains("cdn.mirror.example:443", "mirror.example:443");
    assertThat(c.upstreams().get(2).allowedHosts()).contains("files.pythonhosted.org:443");
    assertThat(c.toString()).doesNotContain("tok-123").doesNotContain("fallback");
  }

  @Test
  void upstreamFlag_replacesTheList() throws Exception {
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(config, "upstreams:\n  - {name: a, url: https://a.example/simple/}\n");
    var flags =
        new ConfigLoader.Flags(
            Optional.empty(),
            Optional.of("https://b.example/simple/"),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            List.of());
    ServerConfig c = ConfigLoader.load(Optional.of(config), flags, k -> null);
    assertThat(c.upstreams()).hasSize(1);
    assertThat(c.upstreams().get(0).simpleUrl().getHost()).isEqualTo("b.example");
  }

  @Test
  void everyMistake_namedWithLineAndKey_secretsNeverEchoed() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(),
                    "upstream: https://pypi.org/simple/",
                    "upstreams:",
                    "  - name: Private Index",
                    "    url: ftp://x.example/",
                    "    projects: [\"bad glob!\"]",
                    "    username: ci",
                    "    token: t0ps3cret",
                    "  - name: pypi",
                    "    url: https://user:hunter2@pypi.org/simple/",
                    "    colour: red",
                    "    password-file: /nonexistent/secret",
                    "  - name: pypi",
                    "    url: https://pypi.org/simple/",
                    "    username: ${UNSET_VAR}",
                    "    password: x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "pypi-guard.yaml:3: upstreams[0].name: \"Private Index\" (expected: lower-case")
        .hasMessageContaining("pypi-guard.yaml:4: upstreams[0].url: \"ftp://x.example/\"")
        .hasMessageContaining("upstreams[0].projects: \"bad glob!\" has the character ' '")
        .hasMessageContaining(
            "upstreams[0]: give either username and password, or a token, not both")
        .hasMessageContaining(
            "pypi-guard.yaml:9: upstreams[1].url: put credentials in username/password or token")
        .hasMessageContaining("pypi-guard.yaml:10: upstreams[1].colour: unknown key")
        .hasMessageContaining("upstreams[1].password-file: /nonexistent/secret cannot be read")
        .hasMessageContaining("pypi-guard.yaml:12: upstreams[2].name: \"pypi\" names two upstreams")
        .hasMessageContaining(
            "pypi-guard.yaml:14: upstreams[2].username: environment variable UNSET_VAR is not set")
        .hasMessageContaining("pypi-guard.yaml:1: upstream: give upstream or upstreams, not both")
        .satisfies(
            e -> assertThat(e.getMessage()).doesNotContain("t0ps3cret").doesNotContain("hunter2"));
  }

  @Test
  void emptyList_andNonList_refused() {
    assertThatThrownBy(() -> load(Map.of(), "upstreams: []"))
        .hasMessageContaining("upstreams: expected a list of upstreams, each with name and url");
    assertThatThrownBy(() -> load(Map.of(), "upstreams: https://pypi.org/simple/"))
        .hasMessageContaining("upstreams: expected a list of upstreams");
    assertThatThrownBy(() -> load(Map.of(), "upstreams:", "  - {url: https://a.example/simple/}"))
        .hasMessageContaining("upstreams[0]: needs a name");
  }

  @Test
  void envReference_anyValue_andLiteralEscape() throws Exception {
    ServerConfig c =
        load(
            Map.of("PORT", "9090", "HOST", "0.0.0.0"),
            "listen: ${HOST}:${PORT}",
            "cache-dir: /tmp/$${not-a-var}");
    assertThat(c.port()).isEqualTo(9090);
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.cacheDir().toString()).isEqualTo("/tmp/${not-a-var}");
    assertThatThrownBy(() -> load(Map.of(), "listen: ${HOST"))
        .hasMessageContaining("pypi-guard.yaml:1: listen: unclosed ${");
  }
}
