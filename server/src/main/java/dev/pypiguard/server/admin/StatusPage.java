package dev.pypiguard.server.admin;

import dev.pypiguard.server.policy.Defences;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The read-only status page at {@code /}, for people: what is cached, the hit rate, how the
 * upstreams are doing, and the recent blocking decisions with their reasons.
 *
 * <p>One self-contained HTML document: inline CSS, no script, no external resource (the response
 * forbids them with a Content-Security-Policy). Every text from an upstream or a client (project
 * and file names, reasons, errors, addresses) is HTML-escaped.
 */
public final class StatusPage {
  /** What the page allows itself: its inline style and nothing else. */
  public static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  /** How many blocking decisions the page lists. */
  static final int BLOCKS_SHOWN = 50;

  /** The newest inspections with findings shown. */
  public static final int FINDINGS_SHOWN = 20;

  private static final String STYLE =
      """
      body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
      h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}
      table{border-collapse:collapse;width:100%}table#cache{width:auto;min-width:28em}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}
      th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
      code{background:#f4f4f4;padding:0 .3em}.muted{color:#777}
      .up{color:#176f2c;font-weight:bold}.down{color:#b00020;font-weight:bold}.unknown,.offline{color:#777;font-weight:bold}
      .on{color:#176f2c;font-weight:bold}.off{color:#777;font-weight:bold}.broken{color:#fff;background:#b00020;font-weight:bold}
      .block{color:#b00020}.would-block{color:#a05a00}.reason{word-break:break-word}
      """;

  private StatusPage() {}

  /** The page for {@code s}. */
  public static String render(Snapshot s) {
    var h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>pypi-guard status</title><style>")
        .append(STYLE)
        .append("</style></head><body>\n");
    h.append("<h1>pypi-guard</h1><p>Point pip at <code id=\"index-url\">")
        .append(esc(s.indexUrl()))
        .append("</code>. Version ")
        .append(esc(s.version()))
        .append(", up ")
        .append(age(s.uptime()))
        .append(s.offline() ? ", <strong>offline</strong> (the upstreams are never contacted)" : "")
        .append(". Policy <code>")
        .append(esc(s.policy().mode()))
        .append("</code> from ")
        .append(
            s.policy()
                .file()
                .map(f -> "<code>" + esc(f) + "</code>")
                .orElse("the built-in policy (<code>pypi-guard policy --print-default</code>)"))
        .append(".</p>\n");

    h.append(
            "<h2>Defences</h2><table id=\"defences\"><thead><tr><th>defence</th><th>state</th><th>what it does</th>")
        .append("<th>to turn it on</th></tr></thead><tbody>");
    for (Defences.Defence d : s.defences()) {
      String state = d.state().spelling();
      h.append("<tr data-defence=\"")
          .append(esc(d.name()))
          .append("\"><td><code>")
          .append(esc(d.name()))
          .append("</code></td><td class=\"state ")
          .append(state)
          .append("\">")
          .append(d.state() == Defences.State.BROKEN ? "BROKEN" : state)
          .append("</td><td>")
          .append(esc(d.detail()))
          .append("</td><td>")
          .append(d.remedy().map(r -> "<code>" + esc(r) + "</code>").orElse(""))
          .append("</td></tr>");
    }
    h.append("</tbody></table>\n");

    h.append("<h2>Cache</h2><table id=\"cache\"><tbody>")
        .append(s.sharedStore().map(st -> row("Shared store", "shared-store", esc(st))).orElse(""))
        .append(
            row(
                s.sharedStore().isPresent()
                    ? "Files stored on this replica (artifacts and core metadata)"
                    : "Files stored (artifacts and core metadata)",
                "stored-files",
                Long.toString(s.storedFiles())))
        .append(row("Bytes stored", "stored-bytes", bytes(s.storedBytes())))
        .append(row("Project pages cached", "pages", Long.toString(s.pages())))
        .append(row("Hit rate", "hit-rate", rate(s.allLookups())))
        .append("</tbody></table>\n");
    h.append("<table id=\"lookups\"><thead><tr><th>Lookups</th><th>hits</th><th>misses</th>")
        .append("<th>revalidated</th><th>hit rate</th></tr></thead><tbody>");
    for (Map.Entry<String, Snapshot.Lookups> e : s.cache().entrySet()) {
      Snapshot.Lookups l = e.getValue();
      h.append("<tr><td>")
          .append(esc(e.getKey()))
          .append("</td><td class=\"n\">")
          .append(l.hits())
          .append("</td><td class=\"n\">")
          .append(l.misses())
          .append("</td><td class=\"n\">")
          .append(l.revalidations())
          .append("</td><td class=\"n\">")
          .append(rate(l))
          .append("</td></tr>");
    }
    h.append("</tbody></table>\n");

    h.append(
            "<h2>Upstreams</h2><table id=\"upstreams\"><thead><tr><th>name</th><th>URL</th><th>state</th>")
        .append(
            "<th>last success</th><th>last failure</th><th>last error</th><th>latency</th></tr></thead><tbody>");
    for (UpstreamHealth.State u : s.upstreams()) {
      String state = s.offline() ? "offline" : u.state();
      h.append("<tr data-upstream=\"")
          .append(esc(u.name()))
          .append("\"><td>")
          .append(esc(u.name()))
          .append(
              u.owns().isEmpty()
                  ? ""
                  : "<br><span class=\"muted owns\">owns "
                      + esc(String.join(", ", u.owns()))
                      + "</span>")
          .append("</td><td><code>")
          .append(esc(u.url()))
          .append("</code></td><td class=\"state ")
          .append(state)
          .append("\">")
          .append(state)
          .append("</td><td>")
          .append(when(u.lastSuccess(), s.now()))
          .append("</td><td>")
          .append(when(u.lastFailure(), s.now()))
          .append("</td><td>")
          .append(
              u.lastError().isEmpty() ? "<span class=\"muted\">none</span>" : esc(u.lastError()))
          .append("</td><td class=\"n\">")
          .append(u.lastLatency().map(d -> d.toMillis() + " ms").orElse(""))
          .append("</td></tr>");
    }
    h.append("</tbody></table>\n");

    h.append("<h2>Recent blocks</h2>");
    if (s.blocks().isEmpty()) {
      h.append(
          "<p id=\"no-blocks\" class=\"muted\">Nothing blocked since the server started.</p>\n");
    } else {
      h.append(
              "<table id=\"blocks\"><thead><tr><th>last</th><th>project</th><th>file</th><th>decision</th>")
          .append("<th>rule</th><th>why</th><th>client</th><th>times</th></tr></thead><tbody>");
      for (RecentBlocks.Entry b :
          s.blocks().subList(0, Math.min(BLOCKS_SHOWN, s.blocks().size()))) {
        h.append("<tr class=\"")
            .append(b.decision().equals("block") ? "block" : "would-block")
            .append("\"><td>")
            .append(when(Optional.of(b.last()), s.now()))
            .append("</td><td class=\"project\">")
            .append(esc(b.project()))
            .append("</td><td class=\"file\">")
            .append(esc(b.file()))
            .append("</td><td>")
            .append(esc(b.decision()))
            .append("</td><td class=\"rule\">")
            .append(esc(b.rule()))
            .append("</td><td class=\"reason\">")
            .append(esc(b.reason()))
            .append("</td><td>")
            .append(esc(b.client()))
            .append(b.user().equals("-") ? "" : " (" + esc(b.user()) + ")")
            .append("</td><td class=\"n\">")
            .append(b.count())
            .append("</td></tr>");
      }
      h.append("</tbody></table>\n");
    }
    h.append("<h2>Recent findings</h2>");
    if (s.findings().isEmpty()) {
      h.append(
          "<p id=\"no-findings\" class=\"muted\">No inspection has found anything since the server started.</p>\n");
    } else {
      h.append(
              "<table id=\"findings\"><thead><tr><th>inspected</th><th>file</th><th>sha256</th><th>findings</th>")
          .append("</tr></thead><tbody>");
      for (Snapshot.Finding f : s.findings()) {
        h.append("<tr><td>")
            .append(when(Optional.of(f.time()), s.now()))
            .append("</td><td class=\"file\">")
            .append(esc(f.file()))
            .append("</td><td><code>")
            .append(esc(f.sha256().substring(0, Math.min(12, f.sha256().length()))))
            .append("</code></td><td class=\"reason\">")
            .append(esc(String.join("; ", f.findings())))
            .append("</td></tr>");
      }
      h.append("</tbody></table>\n");
    }
    h.append("<p class=\"muted\">As of ")
        .append(s.now())
        .append(". Also as JSON: <code>/-/admin/stats</code> ")
        .append("(admin role); <code>/metrics</code> for Prometheus.</p>\n</body></html>\n");
    return h.toString();
  }

  /** The page as plain text, for {@code curl} and other clients that do not ask for HTML. */
  public static String text(Snapshot s) {
    var t = new StringBuilder();
    t.append("pypi-guard: point pip at ").append(s.indexUrl()).append('\n');
    s.defences().forEach(d -> t.append("defence ").append(d).append('\n'));
    s.sharedStore().ifPresent(st -> t.append("shared store: ").append(st).append('\n'));
    t.append("files stored: ")
        .append(s.storedFiles())
        .append(" (")
        .append(bytes(s.storedBytes()))
        .append(")\n");
    t.append("pages cached: ").append(s.pages()).append('\n');
    t.append("hit rate: ").append(rate(s.allLookups())).append('\n');
    for (UpstreamHealth.State u : s.upstreams()) {
      t.append("upstream ")
          .append(u.name())
          .append(u.owns().isEmpty() ? "" : " (owns " + String.join(", ", u.owns()) + ")")
          .append(": ")
          .append(s.offline() ? "offline" : u.state())
          .append(u.lastError().isEmpty() ? "" : " (last error: " + u.lastError() + ")")
          .append('\n');
    }
    for (RecentBlocks.Entry b : s.blocks().subList(0, Math.min(BLOCKS_SHOWN, s.blocks().size()))) {
      t.append(b.decision())
          .append(' ')
          .append(b.project())
          .append(' ')
          .append(b.file())
          .append(": ")
          .append(b.reason())
          .append('\n');
    }
    for (Snapshot.Finding f : s.findings()) {
      t.append("finding ")
          .append(f.file().isEmpty() ? f.sha256() : f.file())
          .append(": ")
          .append(String.join("; ", f.findings()))
          .append('\n');
    }
    return t.toString();
  }

  private static String row(String label, String id, String value) {
    return "<tr><th>" + label + "</th><td class=\"n\" id=\"" + id + "\">" + value + "</td></tr>";
  }

  private static String rate(Snapshot.Lookups l) {
    return l.hitRate().map(r -> String.format(Locale.ROOT, "%.1f%%", r * 100)).orElse("n/a");
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }

  private static String when(Optional<Instant> t, Instant now) {
    return t.map(
            i -> "<time datetime=\"" + i + "\">" + age(Duration.between(i, now)) + " ago</time>")
        .orElse("<span class=\"muted\">never</span>");
  }

  static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    if (s < 172_800) {
      return s / 3600 + " h";
    }
    return s / 86_400 + " days";
  }

  /** Escapes text for HTML element content and quoted attribute values. */
  public static String esc(String s) {
    return dev.pypiguard.core.simple.SimpleHtml.escape(s);
  }
}
