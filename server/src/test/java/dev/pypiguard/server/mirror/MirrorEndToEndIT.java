package dev.pypiguard.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pypiguard.server.ProxyServer;
import dev.pypiguard.server.cli.Main;
import dev.pypiguard.server.config.LocalMirror;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed through the policy, export, and install with real pip from the export, upstream gone. */
class MirrorEndToEndIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @BeforeAll
  static void python() {
    PythonEnv.assumePython3();
  }

  @Test
  void seedExport_upstreamStopped_pipInstallsFromStaticServerAndFileUpstream() throws Exception {
    Path cache = tmp.resolve("cache");
    Path out = tmp.resolve("export");
    Path req = tmp.resolve("requirements.txt");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(
          WheelBuilder.of("alpha", "1.0")
              .requires("beta>=1.0", "gamma ; sys_platform == 'win32'")
              .build());
      up.publishAll(
          WheelBuilder.of("beta", "1.0").build(),
          WheelBuilder.of("beta", "2.0").build(),
          WheelBuilder.of("gamma", "1.0").build());
      Files.writeString(req, "# the app\nalpha\n");

      int seeded =
          Main.run(
              "seed",
              "--upstream",
              up.uri().toString(),
              "--cache-dir",
              cache.toString(),
              "-r",
              req.toString(),
              "--python",
              "3.11",
              "--platform",
              "manylinux_2_28_x86_64");
      assertThat(seeded).isZero();
      assertThat(Main.run("export", "--cache-dir", cache.toString(), out.toString())).isZero();
    }

    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
    List<String> paths = new ArrayList<>();
    manifest.path("files").forEach(f -> paths.add(f.path("path").asText()));
    assertThat(paths)
        .contains("files/alpha/alpha-1.0-py3-none-any.whl", "files/beta/beta-2.0-py3-none-any.whl")
        .noneMatch(p -> p.contains("gamma") || p.contains("beta-1.0"));
    for (JsonNode f : manifest.path("files")) {
      assertThat(f.path("decision").asText()).isEqualTo("allow");
      assertThat(f.has("upload-time") && f.has("project") && f.has("version") && f.has("size"))
          .isTrue();
    }
    assertThat(Files.readString(out.resolve("simple/beta/index.html")))
        .contains("../../files/beta/beta-2.0-py3-none-any.whl#sha256=");

    PythonEnv py = PythonEnv.shared();
    List<String> args = List.of("--only-binary", ":all:", "-r", req.toString());
    HttpServer stat = staticServer(out);
    try {
      PipResult r =
          py.install(
              URI.create("http://127.0.0.1:" + stat.getAddress().getPort() + "/simple/"), args);
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
    } finally {
      stat.stop(0);
    }

    URI simple = LocalMirror.simpleUrl("file:" + out).orElseThrow();
    try (ProxyServer server =
        ProxyServer.start(ServerConfig.defaults(simple, tmp.resolve("cache2")).withPort(0))) {
      PipResult r = py.install(URI.create(server.uri() + "/simple/"), args);
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
    }
  }

  @Test
  void import_tamperedFile_refusedNamedAndNothingImported_thenCleanImportServesOffline()
      throws Exception {
    Path cache = tmp.resolve("cache");
    Path out = tmp.resolve("export");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build());
      up.publish(WheelBuilder.of("beta", "2.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--project",
                  "alpha"))
          .isZero();
      assertThat(Main.run("export", "--cache-dir", cache.toString(), out.toString())).isZero();
    }
    Path tampered = tmp.resolve("tampered");
    copyTree(out, tampered);
    Path wheel = tampered.resolve("files/beta/beta-2.0-py3-none-any.whl");
    byte[] bytes = Files.readAllBytes(wheel);
    bytes[bytes.length / 2] ^= 1;
    Files.write(wheel, bytes);
    Files.delete(tampered.resolve("files/alpha/alpha-1.0-py3-none-any.whl"));

    Path target = tmp.resolve("airgapped");
    Importer.Result refused = new Importer(target, "pypi").load(tampered);

    assertThat(refused).isInstanceOf(Importer.Result.Refused.class);
    assertThat(((Importer.Result.Refused) refused).problems())
        .anyMatch(p -> p.contains("files/beta/beta-2.0-py3-none-any.whl") && p.contains("altered"))
        .anyMatch(
            p -> p.contains("files/alpha/alpha-1.0-py3-none-any.whl") && p.contains("missing"));
    assertThat(Main.run("import", "--cache-dir", target.toString(), tampered.toString()))
        .isEqualTo(1);
    assertThat(filesUnder(target)).isEmpty();

    assertThat(Main.run("import", "--cache-dir", target.toString(), out.toString())).isZero();
    try (ProxyServer server =
        ProxyServer.start(
            ServerConfig.defaults(URI.create("http://127.0.0.1:9/simple/"), target)
                .withPort(0)
                .withOffline(true))) {
      PipResult r =
          PythonEnv.shared()
              .install(
                  URI.create(server.uri() + "/simple/"),
                  List.of("--only-binary", ":all:", "alpha"));
      assertThat(r.succeeded()).as(r.toString()).isTrue();
      assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
    }
  }

  /** Issue 16: an upstream without PEP 658 metadata still gives the mirror metadata files. */
  @Test
  void export_upstreamWithoutMetadata_writesTheWheelsOwnMetadata() throws Exception {
    Path cache = tmp.resolve("cache");
    var wheel = WheelBuilder.of("beta", "1.0").requires("gamma").build();
    // An HTML-only upstream has no upload times: the built-in cooldown would hold every file.
    Path permissive =
        Files.writeString(tmp.resolve("permissive.yaml"), "# nothing beyond the baseline\n");
    try (TestUpstream up = TestUpstream.start(TestUpstream.Mode.HTML_ONLY)) {
      up.publish(wheel, dev.pypiguard.testing.FileOptions.defaults().withCoreMetadata(false));
      // seed follows Requires-Dist from the generated metadata too
      up.publish(
          WheelBuilder.of("gamma", "1.0").build(),
          dev.pypiguard.testing.FileOptions.defaults().withCoreMetadata(false));
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--policy",
                  permissive.toString(),
                  "--project",
                  "beta"))
          .isZero();
    }
    Path out = tmp.resolve("mirror");
    assertThat(
            Main.run(
                "export",
                "--cache-dir",
                cache.toString(),
                "--policy",
                permissive.toString(),
                out.toString()))
        .isZero();

    Path meta = out.resolve("files/beta/" + wheel.filename() + ".metadata");
    assertThat(meta).exists();
    assertThat(Files.readAllBytes(meta)).isEqualTo(wheel.metadata());
    String sha = dev.pypiguard.core.blob.Sha256.of(wheel.metadata()).hex();
    assertThat(Files.readString(out.resolve("simple/beta/index.json")))
        .contains("\"core-metadata\":{\"sha256\":\"" + sha);
    assertThat(Files.readString(out.resolve("simple/beta/index.html")))
        .contains("data-core-metadata=\"sha256=" + sha);
    assertThat(out.resolve("files/gamma")).isDirectory();
    // An HTML upstream gave no sizes nor versions: the mirror's JSON has both, so it is 1.4.
    JsonNode page = JSON.readTree(out.resolve("simple/beta/index.json").toFile());
    assertThat(page.path("meta").path("api-version").asText()).isEqualTo("1.4");
    assertThat(page.path("versions").toString()).isEqualTo("[\"1.0\"]");
    assertThat(page.path("files").get(0).path("size").asLong()).isEqualTo(wheel.size());
  }

  @Test
  void export_since_writesOnlyNewFilesWithCompletePages() throws Exception {
    Path cache = tmp.resolve("cache");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(WheelBuilder.of("beta", "1.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--project",
                  "beta"))
          .isZero();
      assertThat(
              Main.run("export", "--cache-dir", cache.toString(), tmp.resolve("base").toString()))
          .isZero();
      up.publish(WheelBuilder.of("beta", "2.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--project",
                  "beta",
                  "--latest",
                  "1"))
          .isZero();
    }
    Path delta = tmp.resolve("delta");
    assertThat(
            Main.run(
                "export",
                "--cache-dir",
                cache.toString(),
                "--since",
                tmp.resolve("base/manifest.json").toString(),
                delta.toString()))
        .isZero();

    List<String> paths = new ArrayList<>();
    JSON.readTree(delta.resolve("manifest.json").toFile())
        .path("files")
        .forEach(f -> paths.add(f.path("path").asText()));
    assertThat(paths)
        .containsExactly(
            "files/beta/beta-2.0-py3-none-any.whl",
            "files/beta/beta-2.0-py3-none-any.whl.metadata");
    assertThat(Files.readString(delta.resolve("simple/beta/index.json")))
        .contains("beta-1.0-py3-none-any.whl", "beta-2.0-py3-none-any.whl");

    Path target = tmp.resolve("airgapped");
    assertThat(new Importer(target, "pypi").load(delta))
        .isInstanceOf(Importer.Result.Refused.class);
    assertThat(Main.run("import", "--cache-dir", target.toString(), tmp.resolve("base").toString()))
        .isZero();
    assertThat(Main.run("import", "--cache-dir", target.toString(), delta.toString())).isZero();
  }

  @Test
  void seed_withTheServingConfig_baseUrlAuthAndOffline_stillSeedsThroughItsOwnServer()
      throws Exception {
    Path tokens = tmp.resolve("tokens.yaml");
    Files.writeString(tokens, "tokens:\n  - {name: ci, role: read, token: a-token-0123456789}\n");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      Path config = tmp.resolve("pypi-guard.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "upstream: " + up.uri(),
              "cache-dir: " + tmp.resolve("cache"),
              "base-url: https://pypi.example.com",
              "offline: true",
              "auth: {tokens-file: tokens.yaml}",
              ""));
      assertThat(Main.run("seed", "--config", config.toString(), "--project", "alpha")).isZero();
      assertThat(up.requests("/files/alpha-1.0-py3-none-any.whl")).isEqualTo(1);
    }
  }

  @Test
  void seedAndExport_withAPolicy_leaveOutWhatItBlocks() throws Exception {
    Path cache = tmp.resolve("cache");
    Path policy = tmp.resolve("policies.yaml");
    Files.writeString(policy, "versions:\n  deny: {beta: \"==2.0\"}\n");
    try (TestUpstream up = TestUpstream.start()) {
      up.publishAll(WheelBuilder.of("beta", "1.0").build(), WheelBuilder.of("beta", "2.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--policy",
                  policy.toString(),
                  "--project",
                  "beta"))
          .isZero();
      assertThat(up.requests("/files/beta-1.0-py3-none-any.whl")).isEqualTo(1);
      assertThat(up.requests("/files/beta-2.0-py3-none-any.whl")).isZero();
      // Without the policy the cache gets 2.0 too; an export with the policy still leaves it out.
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--project",
                  "beta"))
          .isZero();
      assertThat(up.requests("/files/beta-2.0-py3-none-any.whl")).isEqualTo(1);
    }
    Path out = tmp.resolve("out");
    assertThat(
            Main.run(
                "export",
                "--cache-dir",
                cache.toString(),
                "--policy",
                policy.toString(),
                out.toString()))
        .isZero();
    String manifest = Files.readString(out.resolve("manifest.json"));
    assertThat(manifest).contains("beta-1.0-py3-none-any.whl").doesNotContain("beta-2.0");
    assertThat(Files.readString(out.resolve("simple/beta/index.json"))).doesNotContain("beta-2.0");
  }

  @Test
  void export_judgesWithAdvisoriesAsServeDoes_maliciousReleaseLeftOut() throws Exception {
    Path cache = tmp.resolve("cache");
    try (TestUpstream up = TestUpstream.start()) {
      up.publishAll(WheelBuilder.of("beta", "1.0").build(), WheelBuilder.of("beta", "2.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  cache.toString(),
                  "--project",
                  "beta"))
          .isZero();
    }
    Path osv = tmp.resolve("osv");
    Files.createDirectories(osv);
    Files.writeString(
        osv.resolve("MAL-2026-1.json"),
        """
        {"id": "MAL-2026-1", "modified": "2026-01-01T00:00:00Z", "summary": "Malicious code in beta 2.0",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "beta"}, "versions": ["2.0"]}]}
        """);
    Path out = tmp.resolve("out");
    assertThat(
            Main.run(
                "export",
                "--cache-dir",
                cache.toString(),
                "--advisories",
                osv.toString(),
                out.toString()))
        .isZero();
    String manifest = Files.readString(out.resolve("manifest.json"));
    assertThat(manifest).contains("beta-1.0-py3-none-any.whl").doesNotContain("beta-2.0");
  }

  @Test
  void seed_unsatisfiableRequirement_exitsOne() throws Exception {
    Path req = tmp.resolve("r.txt");
    Files.writeString(req, "alpha==9.9\n");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(WheelBuilder.of("alpha", "1.0").build());
      assertThat(
              Main.run(
                  "seed",
                  "--upstream",
                  up.uri().toString(),
                  "--cache-dir",
                  tmp.resolve("c").toString(),
                  "-r",
                  req.toString()))
          .isEqualTo(1);
    }
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  /** A plain static file server, as nginx or python -m http.server would serve the tree. */
  private static HttpServer staticServer(Path root) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          Path p = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
          if (Files.isDirectory(p)) {
            p = p.resolve("index.html");
          }
          if (!p.startsWith(root) || !Files.isRegularFile(p)) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
          }
          byte[] body = Files.readAllBytes(p);
          ex.getResponseHeaders()
              .set(
                  "Content-Type",
                  p.toString().endsWith(".html") ? "text/html" : "application/octet-stream");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
          }
        });
    server.start();
    return server;
  }
}
