package dev.pypiguard.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.policy.Defences;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status page's HTML: every outside text escaped, states and numbers where people look. */
class StatusPageRenderTest {
  static final String EVIL = "<script>x</script>\"'&";
  static final String ESCAPED = "&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;";

  static Snapshot snapshot(String text) {
    Instant now = Instant.parse("2026-11-25T10:00:00Z");
    var down =
        new UpstreamHealth.State(
            text,
            "http://" + text + "/simple/",
            "down",
            Optional.empty(),
            Optional.of(now.minusSeconds(30)),
            text,
            Optional.of(Duration.ofMillis(12)),
            3,
            3,
            List.of(text));
    var block =
        new RecentBlocks.Entry(
            now.minusSeconds(90),
            now.minusSeconds(60),
            2,
            text,
            text,
            "1.0",
            "block",
            "page",
            text,
            text,
            text,
            text);
    return new Snapshot(
        "1.2.3",
        now,
        now.minus(Duration.ofHours(3)),
        "http://127.0.0.1:8080/simple/",
        7,
        3 * 1024 * 1024,
        Map.of(text, 5L),
        Map.of("file", new Snapshot.Lookups(3, 1, 0)),
        List.of(down),
        List.of(block),
        new Snapshot.Policy("v1", "enforce", Optional.of(text)),
        true,
        false,
        Optional.of(text),
        List.of(
            new Defences.Defence("release-age", Defences.State.ON, text, Optional.empty()),
            new Defences.Defence(
                "advisories.vulnerable", Defences.State.BROKEN, "no data", Optional.of(text)),
            new Defences.Defence(
                "files.sdists",
                Defences.State.OFF,
                "sdists served",
                Optional.of("files: {sdists: block}"))),
        List.of(new Snapshot.Finding(now.minusSeconds(5), text, "a".repeat(64), List.of(text))));
  }

  @Test
  void render_escapesEveryOutsideText() {
    String html = StatusPage.render(snapshot(EVIL));
    assertThat(html).doesNotContain("<script").contains(ESCAPED);
    // The project, file, rule, reason, client, user, upstream name, URL, error and policy file.
    assertThat(html.split(java.util.regex.Pattern.quote(ESCAPED), -1).length - 1)
        .isGreaterThanOrEqualTo(10);
  }

  @Test
  void render_listsDefences_brokenOnesLoudly_issue18() {
    String html = StatusPage.render(snapshot("pypi"));
    assertThat(html)
        .contains(
            "<h2>Defences</h2>",
            "data-defence=\"release-age\"",
            "<td class=\"state broken\">BROKEN</td>",
            "<td class=\"state off\">off</td>",
            "<code>files: {sdists: block}</code>");
    assertThat(html.indexOf("id=\"defences\"")).isLessThan(html.indexOf("id=\"cache\""));
    assertThat(StatusPage.text(snapshot("pypi")))
        .contains(
            "defence advisories.vulnerable: BROKEN (no data; fix: pypi)",
            "defence files.sdists: off (sdists served; turn on: files: {sdists: block})");
    assertThat(snapshot("pypi").toJson().path("defences").get(1).path("state").asText())
        .isEqualTo("broken");
  }

  @Test
  void render_showsNumbersStatesAndAges() {
    String html = StatusPage.render(snapshot("pypi"));
    assertThat(html)
        .contains("<td class=\"n\" id=\"stored-files\">7</td>")
        .contains("<td class=\"n\" id=\"stored-bytes\">3.0 MiB</td>")
        .contains("<td class=\"n\" id=\"pages\">5</td>")
        .contains("<td class=\"n\" id=\"hit-rate\">75.0%</td>")
        .contains("<td class=\"state down\">down</td>")
        .contains("<time datetime=\"2026-11-25T09:59:30Z\">30 s ago</time>")
        .contains("up 3 h");
  }

  @Test
  void bytesAndAges_areReadable() {
    assertThat(StatusPage.bytes(512)).isEqualTo("512 B");
    assertThat(StatusPage.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(StatusPage.bytes(5L << 40)).isEqualTo("5.0 TiB");
    assertThat(StatusPage.age(Duration.ofSeconds(90))).isEqualTo("90 s");
    assertThat(StatusPage.age(Duration.ofMinutes(90))).isEqualTo("90 min");
    assertThat(StatusPage.age(Duration.ofDays(3))).isEqualTo("3 days");
  }
}
