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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evidence for operators: a JSON line per blocking decision served (or, in audit mode, per decision
 * that would have blocked), with time, client, project, file, sha256, rules, reason and policy
 * version; and Prometheus counters of decisions by rule and outcome.
 *
 * <p>Repeats coalesce (README "Audit log"): the first serving of a decision to a client is written
 * at once; the same decision served again to that client only counts, and every {@link
 * #FLUSH_EVERY} one line per file says how many times ({@code count}) since when ({@code
 * first-time}). A cached judged page then costs a hit a counter, not a line per blocked file.
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

  /** How often the counts of repeated decisions are written (README "Audit log"). */
  static final java.time.Duration FLUSH_EVERY = java.time.Duration.ofSeconds(10);

  /** Tallies kept between flushes; beyond, the counts are written early. */
  static final int MAX_TALLIES = 100_000;

  /** One thread for every audit log's flushes (a process has one; tests start many servers). */
  private static final java.util.concurrent.ScheduledExecutorService FLUSHES =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "audit-log-flush");
            t.setDaemon(true);
            return t;
          });

  private final java.util.concurrent.ConcurrentHashMap<TallyKey, Tally> tallies =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final Executor scheduler = FLUSHES;

  /** First lines handed to the blocking pool and not written yet. */
  private final java.util.concurrent.atomic.AtomicInteger pending =
      new java.util.concurrent.atomic.AtomicInteger();

  private final java.util.concurrent.atomic.AtomicBoolean earlyFlush =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.ScheduledFuture<?> flushes;

  /** Writes to {@code file} and remembers the newest decisions in {@code recent}. */
  public AuditLog(Path file, Executor blocking, ProxyMetrics metrics, RecentBlocks recent) {
    this.file = file;
    this.blocking = blocking;
    this.metrics = metrics;
    this.recent = recent;
    this.flushes =
        FLUSHES.scheduleWithFixedDelay(
            this::flushQuietly,
            FLUSH_EVERY.toMillis(),
            FLUSH_EVERY.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.error("writing the audit log's counts of repeated decisions", e);
    }
  }

  /** Records the decisions that blocked (or would have blocked) files served by one request. */
  void record(
      String client,
      String user,
      String via,
      String project,
      List<FileDecision> decisions,
      String policyVersion) {
    if (decisions.isEmpty()) {
      return;
    }
    served(group(via, project, decisions, policyVersion), client, user);
  }

  /**
   * The lines one serving of {@code decisions} reports, built once: the page fast path keeps the
   * group with its rendering and counts each serving in {@link #served} without building a line.
   * Groups with the same lines are equal, so the ordinary path coalesces into the same tally.
   */
  static Group group(
      String via, String project, List<FileDecision> decisions, String policyVersion) {
    var lines = new java.util.ArrayList<Line>();
    for (FileDecision d : decisions) {
      boolean blocked = !d.decision().allowed();
      List<Reason> reasons =
          d.decision().reasons().stream().filter(r -> !r.rule().equals("exception")).toList();
      if (reasons.isEmpty() || (!blocked && !auditAllow(d))) {
        continue;
      }
      // Findings a policy only warns about are served, and logged as such (README "Artifact
      // inspection").
      boolean warned =
          !blocked
              && reasons.stream()
                  .allMatch(r -> r.message().endsWith(dev.pypiguard.policy.rule.Verdicts.WARN));
      String outcome = blocked ? d.decision().label() : warned ? "warn" : "would-block";
      lines.add(
          new Line(
              d.file().filename(),
              d.version(),
              d.file().sha256().orElse(""),
              outcome,
              reasons.get(0).rule(),
              String.join("; ", reasons.stream().map(Reason::toString).toList()),
              reasons.stream().map(Reason::rule).toList(),
              warned));
    }
    return new Group(via, project, policyVersion, List.copyOf(lines));
  }

  /** One file's line: what {@code (file, rule, reason)} coalesces on, with the rest it prints. */
  record Line(
      String file,
      String version,
      String sha256,
      String outcome,
      String rule,
      String reason,
      List<String> rules,
      boolean warned) {}

  /** What one serving reports; its hash is computed once (the fast path looks it up per hit). */
  static final class Group {
    final String via;
    final String project;
    final String policyVersion;
    final List<Line> lines;
    private final int hash;

    Group(String via, String project, String policyVersion, List<Line> lines) {
      this.via = via;
      this.project = project;
      this.policyVersion = policyVersion;
      this.lines = lines;
      this.hash = java.util.Objects.hash(via, project, policyVersion, lines);
    }

    boolean isEmpty() {
      return lines.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
      return this == o
          || (o instanceof Group g
              && hash == g.hash
              && via.equals(g.via)
              && project.equals(g.project)
              && policyVersion.equals(g.policyVersion)
              && lines.equals(g.lines));
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private record TallyKey(Group group, String client, String user) {}

  /**
   * Servings of one group to one client since its first line: {@code state} counts the repeats not
   * yet written, {@code -1} once the tally is retired (a window without repeats).
   */
  private static final class Tally {
    final java.util.concurrent.atomic.AtomicLong state =
        new java.util.concurrent.atomic.AtomicLong();
    volatile long firstRepeat;
    volatile long lastRepeat;

    /** Counts one repeat; false when the tally was retired (the caller starts a new one). */
    boolean repeat(long now) {
      long s;
      do {
        s = state.get();
        if (s < 0) {
          return false;
        }
      } while (!state.compareAndSet(s, s + 1));
      if (s == 0) {
        firstRepeat = now;
      }
      lastRepeat = now;
      return true;
    }
  }

  /**
   * Counts one serving of {@code group} (README "Audit log"): the first one of a (group, client,
   * user) is written at once, line by line; repeats only count, and each flush (every {@link
   * #FLUSH_EVERY}, and at close) writes one line per file with how many times it was served since.
   * Called on the event loop for a page hit: a map look-up and a counter, nothing more.
   */
  void served(Group group, String client, String user) {
    if (group.isEmpty()) {
      return;
    }
    var key = new TallyKey(group, client, user);
    long now = System.currentTimeMillis();
    Tally t = tallies.get(key);
    if (t != null && t.repeat(now)) {
      return;
    }
    if (t != null) {
      tallies.remove(key, t);
    }
    Tally fresh = new Tally();
    while (true) {
      Tally other = tallies.putIfAbsent(key, fresh);
      if (other == null) {
        break;
      }
      if (other.repeat(now)) {
        return;
      }
      tallies.remove(key, other);
    }
    if (tallies.size() > MAX_TALLIES && earlyFlush.compareAndSet(false, true)) {
      // Bounded memory: write the counts out early, which retires the quiet tallies.
      scheduler.execute(
          () -> {
            earlyFlush.set(false);
            flushQuietly();
          });
    }
    pending.incrementAndGet();
    try {
      blocking.execute(
          () -> {
            try {
              write(lines(group, client, user, Instant.ofEpochMilli(now), null, 1));
            } finally {
              pending.decrementAndGet();
            }
          });
    } catch (RuntimeException e) {
      pending.decrementAndGet();
      throw e;
    }
  }

  /**
   * Writes the counts of the repeats since the last flush, one line per file, and retires the
   * tallies that saw none (their next serving is a first line again). Runs on the flush thread.
   */
  void flush() {
    var out = new StringBuilder();
    for (var e : tallies.entrySet()) {
      Tally t = e.getValue();
      long n = t.state.getAndSet(0);
      if (n > 0) {
        TallyKey k = e.getKey();
        out.append(
            lines(
                k.group(),
                k.client(),
                k.user(),
                Instant.ofEpochMilli(t.lastRepeat),
                Instant.ofEpochMilli(t.firstRepeat),
                n));
      } else if (t.state.compareAndSet(0, -1)) {
        tallies.remove(e.getKey(), t);
      }
    }
    write(out.toString());
  }

  /**
   * The lines of {@code count} servings, and what they count: the decision counters and the newest
   * decisions of {@code /-/admin/blocks}. {@code first} is the first of the repeats a flush reports
   * ({@code first-time}); null for a first line.
   */
  private String lines(
      Group g, String client, String user, Instant last, @Nullable Instant first, long count) {
    var lines = new StringBuilder();
    String time = last.toString();
    for (Line l : g.lines) {
      for (String rule : l.rules()) {
        metrics.decision(rule, l.outcome(), count);
      }
      ObjectNode o = JSON.createObjectNode();
      o.put("time", time);
      if (first != null) {
        o.put("first-time", first.toString());
      }
      o.put("count", count);
      o.put("client", client);
      if (!user.equals("-")) {
        o.put("user", user);
      }
      o.put("via", g.via);
      o.put("project", g.project);
      o.put("file", l.file());
      o.put("version", l.version());
      o.put("sha256", l.sha256());
      o.put("decision", l.outcome());
      o.put("rule", l.rule());
      o.put("reason", l.reason());
      o.put("policy", g.policyVersion);
      lines.append(o).append('\n');
      if (!l.warned()) {
        recent.add(
            last,
            g.project,
            l.file(),
            l.version(),
            l.outcome(),
            g.via,
            l.rule(),
            l.reason(),
            client,
            user,
            count);
      }
    }
    return lines.toString();
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
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
        LOG.warn(
            "the audit log {} is writable again after {} failed writes; {} held lines written, {} lost",
            file,
            failures,
            held.chars().filter(c -> c == '\n').count() - (dropped > 0 ? 1 : 0),
            dropped);
      }
      held.setLength(0);
      dropped = 0;
      failures = 0;
      failure = null;
    } catch (IOException e) {
      if (failures++ == 0) {
        LOG.error(
            "cannot write the audit log {}: {}; holding its lines and retrying with each new one",
            file,
            e.toString());
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
    return failure == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(
            "audit log "
                + file
                + ": cannot be written ("
                + failure
                + "), "
                + failures
                + " failed writes, lines held and retried");
  }

  /** Writes the counts still pending (an auditor never loses a block), then closes the file. */
  @Override
  public void close() {
    flushes.cancel(false);
    // First lines still queued on the blocking pool are written before the file closes (bounded).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    flush();
    closeFile();
  }

  private synchronized void closeFile() {
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
