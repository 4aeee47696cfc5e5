package dev.pypiguard.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.cli.Main;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.HostileUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code seed --upstream file:DIR} never hangs. It used to after "fetched
 * flask-3.1.3-py3-none-any.whl (0 B)" (a static tree's page declares no size).
 */
class SeedFromLocalTreeTest {
  @TempDir Path tmp;

  private static void page(Path tree, String project, Artifact... files) throws Exception {
    Path dir = Files.createDirectories(tree.resolve("simple").resolve(project));
    var html = new StringBuilder("<!DOCTYPE html><html><body>\n");
    for (Artifact a : files) {
      html.append("<a href=\"../../files/")
          .append(a.filename())
          .append("#sha256=")
          .append(HostileUpstream.sha256(a.bytes()))
          .append("\">")
          .append(a.filename())
          .append("</a>\n");
      Files.write(Files.createDirectories(tree.resolve("files")).resolve(a.filename()), a.bytes());
    }
    Files.writeString(dir.resolve("index.html"), html.append("</body></html>\n"));
  }

  @Test
  void seed_fromALocalTree_withDependencies_finishes() throws Exception {
    Path tree = tmp.resolve("tree");
    // flask 3.1.3's own dependencies: more of them than seed's default four jobs.
    page(
        tree,
        "flask",
        WheelBuilder.of("flask", "3.1.3")
            .requires(
                "blinker>=1.9.0",
                "click>=8.1.3",
                "itsdangerous>=2.2.0",
                "jinja2>=3.1.2",
                "markupsafe>=2.1.1",
                "werkzeug>=3.1.0")
            .build());
    page(
        tree,
        "werkzeug",
        WheelBuilder.of("werkzeug", "3.1.4").requires("markupsafe>=2.1.1").build());
    page(tree, "jinja2", WheelBuilder.of("jinja2", "3.1.6").requires("markupsafe>=2.0").build());
    page(tree, "blinker", WheelBuilder.of("blinker", "1.9.0").build());
    page(tree, "click", WheelBuilder.of("click", "8.3.1").build());
    page(tree, "itsdangerous", WheelBuilder.of("itsdangerous", "2.2.0").build());
    page(tree, "markupsafe", WheelBuilder.of("markupsafe", "3.0.3").build());
    Path req = tmp.resolve("requirements.txt");
    Files.writeString(req, "flask==3.1.3\n");
    // A permissive policy: the built-in one's cooldown would hold these files (a local tree has
    // no upload times), and this test is about seed finishing, not about the policy.
    Path policy =
        Files.writeString(tmp.resolve("policy.yaml"), "# nothing blocked beyond the baseline\n");
    var run =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    "seed",
                    "--upstream",
                    "file:" + tree,
                    "--cache-dir",
                    tmp.resolve("cache").toString(),
                    "--policy",
                    policy.toString(),
                    "-r",
                    req.toString()));
    int exit = run.get(60, TimeUnit.SECONDS);
    assertThat(exit).isZero();
    try (var files = Files.list(tmp.resolve("cache").resolve("blobs"))) {
      assertThat(files).isNotEmpty();
    }
  }
}
