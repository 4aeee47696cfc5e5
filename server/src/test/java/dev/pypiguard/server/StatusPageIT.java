package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page at / (issue 7): what it shows, and that nothing from outside becomes markup. */
class StatusPageIT {
  /** A yank reason is the upstream's free text; the policy's reason quotes it. */
  static final String XSS = "<script>alert(1)</script><img src=x onerror=\"alert(2)\">&'";

  @TempDir Path dir;
  Harness h;
  Artifact yanked = WheelBuilder.of("alpha", "1.0").build();
  Artifact good = WheelBuilder.of("alpha", "1.1").build();

  @BeforeEach
  void start() throws Exception {
    Path policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "files: {yanked: hide}\n");
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
    h.upstream.publish(yanked, FileOptions.defaults().withYanked(XSS));
    h.upstream.publish(good);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  String html() {
    HttpResponse<byte[]> r = h.get("/", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    return text(r);
  }

  @Test
  void statusPage_showsCacheUpstreamAndBlocks() throws Exception {
    assertThat(h.get("/files/alpha/" + good.filename()).statusCode()).isEqualTo(200);
    assertThat(h.get("/files/alpha/" + yanked.filename()).statusCode()).isEqualTo(403);
    String page = awaitPage(yanked.filename());
    // The served file and its core metadata, fetched before it (issue 13).
    assertThat(page)
        .contains("<td class=\"n\" id=\"stored-files\">2</td>")
        .contains("<td class=\"n\" id=\"pages\">1</td>")
        .contains("<code id=\"index-url\">" + h.proxy.uri() + "/simple/</code>")
        .contains("<tr data-upstream=\"pypi\"><td>pypi</td>")
        .contains("<td class=\"state up\">up</td>")
        .contains(
            "<td class=\"project\">alpha</td><td class=\"file\">" + yanked.filename() + "</td>")
        .contains("<td class=\"rule\">yanked</td>");
  }

  @Test
  void statusPage_escapesEverythingFromUpstreams_andForbidsScripts() throws Exception {
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    String page = awaitPage(yanked.filename());
    assertThat(page)
        .doesNotContain("<script")
        .doesNotContain("<img")
        .contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&amp;&#39;");
    HttpResponse<byte[]> r = h.get("/", "Accept", "text/html");
    assertThat(r.headers().firstValue("Content-Security-Policy").orElse(""))
        .startsWith("default-src 'none'");
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
  }

  @Test
  void home_withoutHtmlInAccept_isPlainText() {
    HttpResponse<byte[]> r = h.get("/", "Accept", "*/*");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(text(r))
        .startsWith("pypi-guard: point pip at " + h.proxy.uri() + "/simple/\n")
        .contains("upstream pypi: unknown");
  }

  /**
   * Blocks are recorded off the request thread: waits (bounded) until the page lists {@code file}.
   */
  String awaitPage(String file) throws Exception {
    String page = "";
    for (int i = 0; i < 200; i++) {
      page = html();
      if (page.contains(file)) {
        break;
      }
      Thread.sleep(25);
    }
    return page;
  }
}
