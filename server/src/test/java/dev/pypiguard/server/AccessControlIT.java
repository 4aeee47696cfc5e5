package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client access control through the server: tokens, users, roles, open endpoints (issue 7). */
class AccessControlIT {
  static final String READ_TOKEN = "read-token-0123456789";
  static final String ADMIN_TOKEN = "admin-token-0123456789";

  @TempDir Path dir;
  Harness h;
  Artifact alpha = WheelBuilder.of("alpha", "1.0").build();

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  static String sha(String secret) {
    return "sha256:" + Sha256.of(secret.getBytes(StandardCharsets.UTF_8)).hex();
  }

  /** A tokens file: a read token (hashed), an admin token (plain) and a read user. */
  static Path writeTokens(Path dir) throws Exception {
    Path tokens = dir.resolve("tokens.yaml");
    Files.writeString(
        tokens,
        """
        tokens:
          - {name: ci, role: read, token: "%s"}
          - {name: ops, role: admin, token: "%s"}
        users:
          - {name: dev, password: dev-password-1}
        """
            .formatted(sha(READ_TOKEN), ADMIN_TOKEN));
    return tokens;
  }

  static ServerConfig withTokens(ServerConfig c, Path tokens) {
    return c.edit(b -> b.tokensFile = Optional.of(tokens));
  }

  Harness startWithAuth() throws Exception {
    Path tokens = writeTokens(dir);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML, dir.resolve("cache"), c -> withTokens(c, tokens));
    h.upstream.publish(alpha);
    return h;
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void auth_withoutCredentials_is401WithBasicChallenge_onEveryReadPath() throws Exception {
    startWithAuth();
    for (String path :
        List.of(
            "/",
            "/simple/",
            "/simple/alpha/",
            "/files/alpha/" + alpha.filename(),
            "/-/explain/alpha",
            "/integrity/alpha/1.0/" + alpha.filename() + "/provenance",
            "/nope",
            "/-/admin/stats")) {
      HttpResponse<byte[]> r = h.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .as(path)
          .hasValue("Basic realm=\"pypi-guard\", charset=\"UTF-8\"");
    }
    assertThat(h.upstream.requestCount()).isZero();
  }

  @Test
  void auth_healthzAndMetrics_stayOpen() throws Exception {
    startWithAuth();
    assertThat(h.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(text(h.get("/metrics"))).contains("pypiguard_requests");
  }

  @Test
  void auth_wrongOrMalformedCredentials_are401() throws Exception {
    startWithAuth();
    for (String header :
        List.of(
            bearer("wrong-token-000000"),
            basic("dev", "wrong"),
            basic("x", "wrong"),
            "Basic ***",
            "Negotiate abc",
            bearer(""))) {
      HttpResponse<byte[]> r = h.get("/simple/alpha/", "Authorization", header);
      assertThat(r.statusCode()).as(header).isEqualTo(401);
      assertThat(text(r)).isEqualTo("wrong credentials\n");
    }
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_auth_refusals_total{why=\"wrong\"} 6.0");
  }

  @Test
  void auth_readTokenBearerOrAsPassword_andReadUser_readTheIndex() throws Exception {
    startWithAuth();
    for (String header :
        List.of(
            bearer(READ_TOKEN),
            basic("__token__", READ_TOKEN),
            basic("dev", "dev-password-1"),
            bearer(ADMIN_TOKEN))) {
      HttpResponse<byte[]> r = h.get("/simple/alpha/", "Authorization", header);
      assertThat(r.statusCode()).as(header).isEqualTo(200);
      assertThat(text(r)).contains(alpha.filename());
    }
    assertThat(
            h.get("/files/alpha/" + alpha.filename(), "Authorization", bearer(READ_TOKEN)).body())
        .isEqualTo(alpha.bytes());
  }

  @Test
  void auth_readRoleOnAdminApi_is403_adminRoleIs200() throws Exception {
    startWithAuth();
    HttpResponse<byte[]> read = h.get("/-/admin/stats", "Authorization", bearer(READ_TOKEN));
    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(text(read)).contains("ci has the read role; this needs admin");
    assertThat(
            h.send("POST", "/-/admin/reload", "Authorization", basic("dev", "dev-password-1"))
                .statusCode())
        .isEqualTo(403);
    assertThat(h.get("/-/admin/stats", "Authorization", bearer(ADMIN_TOKEN)).statusCode())
        .isEqualTo(200);
    assertThat(text(h.get("/metrics"))).contains("pypiguard_auth_refusals_total{why=\"role\"} 2.0");
    assertThat(
            h.send("POST", "/-/admin/reload", "Authorization", basic("__token__", ADMIN_TOKEN))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void noAuth_everythingReadable_adminOnlyForDirectLoopbackClients() throws Exception {
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, dir.resolve("cache"), c -> c);
    h.upstream.publish(alpha);
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    assertThat(h.get("/-/admin/stats").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> forwarded = h.get("/-/admin/stats", "X-Forwarded-For", "203.0.113.9");
    assertThat(forwarded.statusCode()).isEqualTo(403);
    assertThat(text(forwarded)).contains("only loopback clients");
    assertThat(h.get("/-/admin/stats", "Forwarded", "for=203.0.113.9").statusCode()).isEqualTo(403);
  }

  @Test
  void auth_auditLogNamesThePrincipal() throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "projects: {}\nfiles: {sdists: block}\n");
    Path tokens = writeTokens(dir);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> withTokens(c, tokens).withPolicyFile(Optional.of(policy)));
    var sdist = dev.pypiguard.testing.SdistBuilder.of("alpha", "1.0").build();
    h.upstream.publish(sdist);
    assertThat(
            h.get("/files/alpha/" + sdist.filename(), "Authorization", bearer(READ_TOKEN))
                .statusCode())
        .isEqualTo(403);
    Path audit = dir.resolve("cache").resolve("audit.log");
    String log = awaitContent(audit, "\"user\":\"ci\"");
    assertThat(log)
        .contains("\"project\":\"alpha\"")
        .contains("\"user\":\"ci\"")
        .doesNotContain(READ_TOKEN);
  }

  /**
   * The audit log is written off the request thread: waits (bounded) until it holds {@code needle}.
   */
  static String awaitContent(Path file, String needle) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Files.exists(file) && Files.readString(file).contains(needle)) {
        break;
      }
      Thread.sleep(25);
    }
    return Files.exists(file) ? Files.readString(file) : "";
  }

  @Test
  void tokensFile_changed_isReloaded_invalidKeepsTheLastGood() throws Exception {
    startWithAuth();
    Path tokens = dir.resolve("tokens.yaml");
    Files.writeString(
        tokens,
        Files.readString(tokens)
            .replace(
                "users:",
                """
          - {name: new, role: read, token: new-token-0123456789}
        users:"""));
    HttpResponse<byte[]> reload =
        h.send("POST", "/-/admin/reload", "Authorization", bearer(ADMIN_TOKEN));
    assertThat(text(reload)).contains("\"tokens\"").contains("\"reloaded\"");
    assertThat(
            h.get("/simple/alpha/", "Authorization", bearer("new-token-0123456789")).statusCode())
        .isEqualTo(200);

    Files.writeString(tokens, "tokens:\n  - {name: ops, role: boss, token: x}\n");
    HttpResponse<byte[]> bad =
        h.send("POST", "/-/admin/reload", "Authorization", bearer(ADMIN_TOKEN));
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(text(bad)).contains("tokens.yaml:2: tokens[0].role").contains("\"invalid\"");
    assertThat(
            h.get("/simple/alpha/", "Authorization", bearer("new-token-0123456789")).statusCode())
        .isEqualTo(200);
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_auth_reloads_total{outcome=\"invalid\"} 1.0");
  }

  @Test
  void tokensFile_invalidAtStart_refusesToStart_namingFileLineAndKey() throws Exception {
    Path tokens = dir.resolve("tokens.yaml");
    Files.writeString(tokens, "tokens:\n  - name: ci\n    role: read\n    token: sha256:1234\n");
    ServerConfig config =
        withTokens(
            ServerConfig.defaults(URI.create("http://127.0.0.1:9/simple/"), dir.resolve("cache"))
                .withPort(0),
            tokens);
    assertThatThrownBy(() -> ProxyServer.start(config))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            tokens
                + ":4: tokens[0].token: not a sha256 hash (expected: sha256: followed by 64 hex digits)");
  }

  @Test
  void configFile_authTokensFile_isRelativeToTheConfigFile_andMissingIsOneClearError()
      throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    writeTokens(conf);
    Path config = conf.resolve("pypi-guard.yaml");
    Files.writeString(config, "auth:\n  tokens-file: tokens.yaml\n");
    var loaded =
        dev.pypiguard.server.config.ConfigLoader.load(Optional.of(config), CliTest.noFlags());
    assertThat(loaded.tokensFile()).hasValue(conf.resolve("tokens.yaml"));

    Files.writeString(config, "auth:\n  tokens-file: missing.yaml\n");
    CliTest.Run r = CliTest.run("serve", "--config", config.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            config
                + ":2: auth.tokens-file: "
                + conf.resolve("missing.yaml")
                + " is not a readable file")
        .doesNotContain("Exception");
    Files.writeString(config, "auth:\n  token-file: tokens.yaml\n");
    assertThat(CliTest.run("serve", "--config", config.toString()).err())
        .contains(config + ":2: auth.token-file: unknown key (expected one of: tokens-file)");
  }

  @Test
  void pip_withReadTokenInIndexUrl_installs_withoutCredentialsFails401() throws Exception {
    PythonEnv.assumePython3();
    startWithAuth();
    h.upstream.publish(WheelBuilder.of("beta", "2.0").build());
    URI index = h.index();
    URI withToken =
        URI.create(
            index.getScheme()
                + "://__token__:"
                + READ_TOKEN
                + "@"
                + index.getAuthority()
                + index.getPath());
    PipResult ok =
        PythonEnv.shared().install(withToken, List.of("--only-binary", ":all:", "alpha", "beta"));
    assertThat(ok.succeeded()).as(ok.toString()).isTrue();
    assertThat(ok.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));

    URI asUser =
        URI.create(
            index.getScheme() + "://dev:dev-password-1@" + index.getAuthority() + index.getPath());
    PipResult user = PythonEnv.shared().install(asUser, List.of("--only-binary", ":all:", "alpha"));
    assertThat(user.succeeded()).as(user.toString()).isTrue();

    // -vv: pip says why it skipped the page only when verbose.
    PipResult refused =
        PythonEnv.shared().install(index, List.of("-vv", "--only-binary", ":all:", "alpha"));
    assertThat(refused.succeeded()).isFalse();
    assertThat(refused.output())
        .contains("401 Client Error: Unauthorized for url: " + index + "alpha/");
  }

  @Test
  void tokenCommand_printsATokenAndAnEntryThatAcceptsIt() {
    CliTest.Run r = CliTest.run("token", "deploy-bot", "--role", "admin");
    assertThat(r.code()).as(r.err()).isZero();
    String token =
        r.out().lines().filter(l -> l.startsWith("token: ")).findFirst().orElseThrow().substring(7);
    String entry = r.out().lines().filter(l -> l.startsWith("  - {")).findFirst().orElseThrow();
    assertThat(entry)
        .doesNotContain(token)
        .contains("sha256:" + Sha256.of(token.getBytes(StandardCharsets.UTF_8)).hex());
    var tokens =
        dev.pypiguard.server.auth.AccessTokens.parse(
            "generated", "tokens:\n" + entry + "\n", n -> Optional.empty());
    assertThat(tokens.authenticate(bearer(token)))
        .isEqualTo(
            new dev.pypiguard.server.auth.Authentication.Authenticated(
                new dev.pypiguard.server.auth.Principal(
                    "deploy-bot", dev.pypiguard.server.auth.Role.ADMIN)));
    CliTest.Run bad = CliTest.run("token", "x", "--role", "root");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--role: \"root\" (expected: read or admin)");
  }

  @Test
  void accessLog_showsThePrincipalName_neverTheSecret() throws Exception {
    startWithAuth();
    var captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    String log = "";
    try {
      assertThat(
              h.get("/simple/alpha/", "Authorization", basic("__token__", READ_TOKEN)).statusCode())
          .isEqualTo(200);
      // The line is written off the event loop: wait (bounded) for it.
      for (int i = 0; i < 200 && !log.contains("\"GET /simple/alpha/ HTTP/1.1\" 200"); i++) {
        Thread.sleep(25);
        log = captured.toString(StandardCharsets.UTF_8);
      }
    } finally {
      System.setErr(old);
    }
    assertThat(log)
        .contains("127.0.0.1 - ci [")
        .contains("\"GET /simple/alpha/ HTTP/1.1\" 200")
        .doesNotContain(READ_TOKEN)
        .doesNotContain(basic("__token__", READ_TOKEN).substring(6));
  }

  /** Runs {@code action} with System.err captured, until {@code until} shows up in it (bounded). */
  static String stderrOf(ThrowingRunnable action, String until) throws Exception {
    var captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    String log = "";
    try {
      action.run();
      for (int i = 0; i < 200 && !log.contains(until); i++) {
        Thread.sleep(25);
        log = captured.toString(StandardCharsets.UTF_8);
      }
    } finally {
      System.setErr(old);
    }
    return log;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void tokensFile_changed_isReadAgainByItself_withinSeconds() throws Exception {
    startWithAuth();
    assertThat(h.get("/simple/alpha/", "Authorization", bearer(READ_TOKEN)).statusCode())
        .isEqualTo(200);
    // Revoking a leaked token: remove it from the file, and send nothing else.
    Path tokens = dir.resolve("tokens.yaml");
    Files.writeString(
        tokens,
        Files.readString(tokens)
                .lines()
                .filter(l -> !l.contains("name: ci"))
                .collect(java.util.stream.Collectors.joining("\n"))
            + "\n");
    int status = 200;
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(4).toNanos();
    while (status == 200 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      status = h.get("/simple/alpha/", "Authorization", bearer(READ_TOKEN)).statusCode();
    }
    assertThat(status).isEqualTo(401);
    assertThat(h.get("/simple/alpha/", "Authorization", bearer(ADMIN_TOKEN)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void wrongCredentials_loggedWithTheClientAddress_neverTheSecret() throws Exception {
    startWithAuth();
    String guess = "guessed-token-987654321";
    String log =
        stderrOf(
            () ->
                assertThat(h.get("/simple/alpha/", "Authorization", bearer(guess)).statusCode())
                    .isEqualTo(401),
            "refused credentials");
    assertThat(log).contains("refused credentials from 127.0.0.1").doesNotContain(guess);
  }

  @Test
  void refusals_countedByWhy_missingAndNotLocal_andXRealIpIsAProxyToo() throws Exception {
    startWithAuth();
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(401);
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_auth_refusals_total{why=\"missing\"} 1.0");
    h.close();
    h = Harness.start(TestUpstream.Mode.JSON_AND_HTML, dir.resolve("cache2"), c -> c);
    assertThat(h.get("/-/admin/stats", "X-Real-IP", "203.0.113.9").statusCode()).isEqualTo(403);
    assertThat(text(h.get("/metrics")))
        .contains("pypiguard_auth_refusals_total{why=\"not-local\"} 1.0");
  }

  @Test
  void metrics_openWithoutCredentials_nameNoProjectClientOrPrincipal() throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "files: {sdists: block}\n");
    Path tokens = writeTokens(dir);
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> withTokens(c, tokens).withPolicyFile(Optional.of(policy)));
    var sdist = dev.pypiguard.testing.SdistBuilder.of("secretproj", "1.0").build();
    h.upstream.publish(sdist);
    assertThat(h.get("/simple/secretproj/", "Authorization", bearer(READ_TOKEN)).statusCode())
        .isEqualTo(200);
    assertThat(
            h.get("/files/secretproj/" + sdist.filename(), "Authorization", bearer(READ_TOKEN))
                .statusCode())
        .isEqualTo(403);
    String metrics = text(h.get("/metrics"));
    assertThat(metrics)
        .contains("pypiguard_policy_decisions_total")
        .doesNotContain("secretproj")
        .doesNotContain("127.0.0.1")
        .doesNotContain("\"ci\"");
  }
}
