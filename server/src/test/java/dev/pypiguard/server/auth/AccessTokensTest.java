package dev.pypiguard.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The tokens file: its format, its errors, and what an Authorization header proves (issue 7). */
class AccessTokensTest {
  static final String CI_TOKEN = "ci-token-0123456789";
  static final String OPS_TOKEN = "ops-token-9876543210";
  static final Map<String, String> ENV =
      Map.of("OPS_TOKEN", OPS_TOKEN, "ALICE_PW", "alice-password");

  static String sha(String secret) {
    return "sha256:" + Sha256.of(secret.getBytes(StandardCharsets.UTF_8)).hex();
  }

  static AccessTokens parse(String yaml) {
    return AccessTokens.parse("tokens.yaml", yaml, n -> Optional.ofNullable(ENV.get(n)));
  }

  static AccessTokens sample() {
    return parse(
        """
        tokens:
          - {name: ci, role: read, token: "%s"}
          - {name: ops, role: admin, token: "${OPS_TOKEN}"}
        users:
          - {name: alice, role: admin, password: "${ALICE_PW}"}
          - name: bob
            password: plain-text-password
        """
            .formatted(sha(CI_TOKEN)));
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static Principal principal(Authentication a) {
    assertThat(a).isInstanceOf(Authentication.Authenticated.class);
    return ((Authentication.Authenticated) a).principal();
  }

  @Test
  void bearer_hashedToken_isReadPrincipal() {
    assertThat(principal(sample().authenticate("Bearer " + CI_TOKEN)))
        .isEqualTo(new Principal("ci", Role.READ));
  }

  @Test
  void bearer_tokenFromEnvironment_isAdmin() {
    assertThat(principal(sample().authenticate("bearer " + OPS_TOKEN)))
        .isEqualTo(new Principal("ops", Role.ADMIN));
  }

  @Test
  void basic_tokenAsPasswordWithAnyUser_isTheToken() {
    assertThat(principal(sample().authenticate(basic("__token__", CI_TOKEN))).name())
        .isEqualTo("ci");
    assertThat(principal(sample().authenticate(basic("anything", OPS_TOKEN))).name())
        .isEqualTo("ops");
  }

  @Test
  void basic_userAndPassword_isTheUser_defaultRoleRead() {
    assertThat(principal(sample().authenticate(basic("alice", "alice-password"))))
        .isEqualTo(new Principal("alice", Role.ADMIN));
    assertThat(principal(sample().authenticate(basic("bob", "plain-text-password"))))
        .isEqualTo(new Principal("bob", Role.READ));
  }

  @Test
  void basic_knownUserWrongPassword_isRefused_evenWithATokenAsPassword() {
    assertThat(sample().authenticate(basic("alice", "nope-nope-nope")))
        .isInstanceOf(Authentication.Refused.class);
    assertThat(sample().authenticate(basic("alice", CI_TOKEN)))
        .isInstanceOf(Authentication.Refused.class);
  }

  @Test
  void authenticate_missingWrongOrMalformed_isMissingOrRefused_withoutTheSecret() {
    AccessTokens t = sample();
    assertThat(t.authenticate(null)).isInstanceOf(Authentication.Missing.class);
    assertThat(t.authenticate("  ")).isInstanceOf(Authentication.Missing.class);
    for (String header :
        new String[] {
          "Bearer wrong-secret-1234",
          "Basic !!!notbase64",
          "Digest abc",
          basic("eve", "wrong-secret-1234"),
          "Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes())
        }) {
      Authentication a = t.authenticate(header);
      assertThat(a).as(header).isInstanceOf(Authentication.Refused.class);
      assertThat(((Authentication.Refused) a).why()).doesNotContain("wrong-secret-1234");
    }
  }

  @Test
  void role_adminIncludesRead_readDoesNotIncludeAdmin() {
    assertThat(Role.ADMIN.includes(Role.READ)).isTrue();
    assertThat(Role.ADMIN.includes(Role.ADMIN)).isTrue();
    assertThat(Role.READ.includes(Role.READ)).isTrue();
    assertThat(Role.READ.includes(Role.ADMIN)).isFalse();
  }

  @Test
  void parse_everyProblemAtOnce_withLineAndKey_neverTheSecret() {
    String yaml =
        """
        tokens:
          - {name: ci, role: reader, token: "short"}
          - {name: ci, token: "sha256:abc"}
          - {name: "bad name", token: "${MISSING_VAR}"}
          - {role: read, token: "long-enough-secret", colour: blue}
        users:
          - {name: carol}
        """;
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokens.yaml:2: tokens[0].role: \"reader\" (expected: read or admin)")
        .hasMessageContaining("tokens.yaml:2: tokens[0].token: too short")
        .hasMessageContaining("tokens.yaml:3: tokens[1].name: \"ci\" is used twice")
        .hasMessageContaining("tokens.yaml:3: tokens[1].token: not a sha256 hash")
        .hasMessageContaining("tokens.yaml:4: tokens[2].name: \"bad name\"")
        .hasMessageContaining("tokens[2].token: environment variable MISSING_VAR is not set")
        .hasMessageContaining("tokens[3].colour: unknown key")
        .hasMessageContaining("tokens[3]: missing (expected: a name")
        .hasMessageContaining("users[0]: missing password")
        .message()
        .doesNotContain("long-enough-secret")
        .doesNotContain("short\"");
  }

  @Test
  void parse_emptyOrWrongShape_isRefused() {
    assertThatThrownBy(() -> parse("")).hasMessageContaining("no tokens and no users");
    assertThatThrownBy(() -> parse("- a\n- b\n")).hasMessageContaining("expected a mapping");
    assertThatThrownBy(() -> parse("tokens: {name: x}\n"))
        .hasMessageContaining("tokens: expected a list");
    assertThatThrownBy(() -> parse("tokens: [\n")).hasMessageContaining("not valid YAML");
  }

  @Test
  void parse_sameSecretTwice_isRefused() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        tokens:
          - {name: a, token: same-secret-123}
          - {name: b, token: "%s"}
        """
                        .formatted(sha("same-secret-123"))))
        .hasMessageContaining("tokens[1].token: the same token as a");
  }

  @Test
  void shippedExample_isValid_andItsReadTokenWorks() throws Exception {
    java.nio.file.Path example =
        dev.pypiguard.policy.testing.Fixtures.file("shipped/conf/tokens.example.yaml");
    AccessTokens t =
        AccessTokens.parse(
            example.toString(),
            java.nio.file.Files.readString(example),
            n -> Optional.of("value-of-" + n));
    assertThat(t.size()).isEqualTo(3);
    assertThat(principal(t.authenticate(basic("__token__", "example-read-token-change-me"))))
        .isEqualTo(new Principal("ci", Role.READ));
    assertThat(principal(t.authenticate("Bearer value-of-PYPI_GUARD_ADMIN_TOKEN")).role())
        .isEqualTo(Role.ADMIN);
  }
}
