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
import org.jspecify.annotations.Nullable;

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
  private @Nullable BufferedWriter out;
  /** Lines not yet written (while the file cannot be written). */
  private final StringBuilder held = new StringBuilder();
  private long dropped;
  private long failures;
  private @Nullable String failure;
  /** How much is held while the file cannot be written. */
  static final int MAX_HELD = 4 << 20;

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
        String outcome = blocked ? d.decision().label() : warned ? "warn" : "would-block";
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

  /**
   * Appends lines. When the file cannot be written (disk full, removed directory), the writer is
   * dropped, the lines are held (up to {@link #MAX_HELD} characters, the newest dropped beyond),
   * and every later write tries again; the first that succeeds writes what was held, then a line
   * saying how many were lost, and the log says it recovered. Nothing is silently off.
   */
  synchronized void write(String lines) {
    if (lines.isEmpty()) {
      return;
    }
    if (held.length() + lines.length() <= MAX_HELD) {
      held.append(lines);
    } else {
      dropped += lines.chars().filter(c -> c == '\n').count();
    }
    writeHeld();
  }

  private void writeHeld() {
    try {
      if (out == null) {
        Files.createDirectories(file.getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
      if (dropped > 0) {
        ObjectNode gap = JSON.createObjectNode();
        gap.put("time", Instant.now().toString());
        gap.put("event", "audit-log-gap");
        gap.put("lost", dropped);
        gap.put("reason", failure == null ? "" : failure);
        held.append(gap).append('\n');
      }
      out.write(held.toString());
      out.flush();
      if (failure != null) {
        LOG.warn("the audit log {} is writable again after {} failed writes; {} held lines written, {} lost",
            file, failures, held.chars().filter(c -> c == '\n').count() - (dropped > 0 ? 1 : 0), dropped);
      }
      held.setLength(0);
      dropped = 0;
      failures = 0;
      failure = null;
    } catch (IOException e) {
      if (failures++ == 0) {
        LOG.error("cannot write the audit log {}: {}; holding its lines and retrying with each new one",
            file, e.toString());
      }
      failure = e.toString();
      if (out != null) {
        try {
          out.close();
        } catch (IOException ignored) {
          // the writer is broken either way; a new one is opened on the next write
        }
        out = null;
      }
    }
  }

  /** A line for {@code /healthz} while the audit log cannot be written; empty when it can. */
  public synchronized java.util.Optional<String> health() {
    return failure == null ? java.util.Optional.empty()
        : java.util.Optional.of("audit log " + file + ": cannot be written (" + failure + "), "
            + failures + " failed writes, lines held and retried");
  }

  @Override
  public synchronized void close() {
    if (held.length() > 0 || dropped > 0) {
      writeHeld();
    }
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
