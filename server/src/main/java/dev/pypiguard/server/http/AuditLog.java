package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.server.admin.RecentBlocks;
import dev.pypiguard.server.metrics.ProxyMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evidence for operators: one JSON line per blocking decision served (or, in audit mode, per
 * decision that would have blocked), with time, client, project, file, sha256, rules, reason and
 * policy version; and Prometheus counters of decisions by rule and outcome.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Executor blocking;
  private final ProxyMetrics metrics;
  private final RecentBlocks recent;
  private BufferedWriter out;
  private boolean failed;

  /** Writes to {@code file} and remembers the newest decisions in {@code recent}. */
  public AuditLog(Path file, Executor blocking, ProxyMetrics metrics, RecentBlocks recent) {
    this.file = file;
    this.blocking = blocking;
    this.metrics = metrics;
    this.recent = recent;
  }

  /** Records the decisions that blocked (or would have blocked) files served by one request. */
  void record(String client, String user, String via, String project, List<FileDecision> decisions,
      String policyVersion) {
    if (decisions.isEmpty()) {
      return;
    }
    Instant now = Instant.now();
    String time = now.toString();
    blocking.execute(() -> {
      var lines = new StringBuilder();
      for (FileDecision d : decisions) {
        boolean blocked = !d.decision().allowed();
        List<Reason> reasons = d.decision().reasons().stream()
            .filter(r -> !r.rule().equals("exception")).toList();
        // Findings a policy only warns about are served, and logged as such (README "Artifact inspection").
        boolean warned = !blocked && !reasons.isEmpty() && reasons.stream()
            .allMatch(r -> r.message().endsWith(dev.pypiguard.policy.inspection.Verdicts.WARN));
        String outcome = blocked ? "block" : warned ? "warn" : "would-block";
        if (reasons.isEmpty() || (!blocked && !auditAllow(d))) {
          continue;
        }
        for (Reason r : reasons) {
          metrics.decision(r.rule(), outcome);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("time", time);
        o.put("client", client);
        if (!user.equals("-")) {
          o.put("user", user);
        }
        o.put("via", via);
        o.put("project", project);
        o.put("file", d.file().filename());
        o.put("version", d.version());
        o.put("sha256", d.file().sha256().orElse(""));
        o.put("decision", outcome);
        o.put("rule", reasons.get(0).rule());
        o.put("reason", String.join("; ", reasons.stream().map(Reason::toString).toList()));
        o.put("policy", policyVersion);
        lines.append(o).append('\n');
        if (warned) {
          continue;
        }
        recent.add(now, project, d.file().filename(), d.version(), outcome, via, o.get("rule").asText(),
            o.get("reason").asText(), client, user);
      }
      write(lines.toString());
    });
  }

  /** Records an admin's action (clearing a held file), one line like a decision's. */
  void admin(String client, String user, String action, ObjectNode fields) {
    ObjectNode o = JSON.createObjectNode();
    o.put("time", Instant.now().toString());
    o.put("client", client);
    if (!user.equals("-")) {
      o.put("user", user);
    }
    o.put("action", action);
    o.setAll(fields);
    blocking.execute(() -> write(o + "\n"));
  }

  /** An allowed file carries reasons only when audit mode let it through or an exception did. */
  private static boolean auditAllow(FileDecision d) {
    return d.decision().reasons().stream().noneMatch(r -> r.rule().equals("exception"));
  }

  private synchronized void write(String lines) {
    if (lines.isEmpty() || failed) {
      return;
    }
    try {
      if (out == null) {
        Files.createDirectories(file.getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
      out.write(lines);
      out.flush();
    } catch (IOException e) {
      failed = true;
      LOG.error("cannot write the audit log {}: {}; blocking decisions are no longer recorded there",
          file, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.warn("closing the audit log: {}", e.toString());
      }
      out = null;
    }
  }
}
