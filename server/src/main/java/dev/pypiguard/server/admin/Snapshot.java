package dev.pypiguard.server.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's state at one moment, as the admin API's {@code stats} and the status page show it.
 *
 * @param indexUrl the URL to point pip at
 * @param storedFiles files in the artifact store (artifacts and their core metadata)
 * @param storedBytes their size
 * @param pagesByUpstream project pages cached on disk, by upstream name
 * @param cache lookups by kind of asset ({@code file}, {@code metadata}, {@code project}, {@code
 *     index})
 * @param blocks the newest blocking decisions, newest first
 * @param sharedStore the bucket shared with other replicas and how it is, when {@code storage:
 *     {type: s3}} (the stored files above are then this replica's local tier)
 * @param defences each defence on, off or broken, with what turns it on
 * @param findings the newest inspections that found something, newest first (README "Artifact
 *     inspection")
 */
public record Snapshot(
    String version,
    Instant now,
    Instant started,
    String indexUrl,
    long storedFiles,
    long storedBytes,
    Map<String, Long> pagesByUpstream,
    Map<String, Lookups> cache,
    List<UpstreamHealth.State> upstreams,
    List<RecentBlocks.Entry> blocks,
    Policy policy,
    boolean authEnabled,
    boolean offline,
    Optional<String> sharedStore,
    List<dev.pypiguard.server.policy.Defences.Defence> defences,
    List<Finding> findings) {

  /**
   * One file an inspection found something in.
   *
   * @param time when it was inspected
   * @param file its file name (empty when inspected in the background, by sha256 only)
   * @param sha256 its sha256
   * @param findings each finding on one line: {@code pth-exec (high) in x.pth: ...}
   */
  public record Finding(Instant time, String file, String sha256, List<String> findings) {
    public Finding {
      findings = List.copyOf(findings);
    }
  }

  /**
   * Cache lookups of one kind: answered from the cache, fetched, or revalidated with the upstream.
   */
  public record Lookups(long hits, long misses, long revalidations) {
    public long total() {
      return hits + misses + revalidations;
    }

    /** Hits over all lookups; empty before the first. */
    public Optional<Double> hitRate() {
      return total() == 0 ? Optional.empty() : Optional.of((double) hits / total());
    }

    Lookups plus(Lookups o) {
      return new Lookups(hits + o.hits, misses + o.misses, revalidations + o.revalidations);
    }
  }

  /** The policy in force: its version, mode and file (none: the built-in policy). */
  public record Policy(String version, String mode, Optional<String> file) {}

  public long pages() {
    return pagesByUpstream.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Every kind of lookup together. */
  public Lookups allLookups() {
    return cache.values().stream().reduce(new Lookups(0, 0, 0), Lookups::plus);
  }

  public Duration uptime() {
    return Duration.between(started, now);
  }

  /** The admin API's {@code GET /-/admin/stats} document. */
  public ObjectNode toJson() {
    var nf = JsonNodeFactory.instance;
    ObjectNode o = nf.objectNode();
    o.put("version", version);
    o.put("time", now.toString());
    o.put("started", started.toString());
    o.put("uptime-seconds", uptime().toSeconds());
    o.put("offline", offline);
    o.put("auth", authEnabled);
    o.put("shared-store", sharedStore.orElse(null));
    o.putObject("artifacts").put("files", storedFiles).put("bytes", storedBytes);
    ObjectNode pages = o.putObject("pages");
    pages.put("cached", pages());
    ObjectNode by = pages.putObject("by-upstream");
    pagesByUpstream.forEach(by::put);
    ObjectNode c = o.putObject("cache");
    putLookups(c.putObject("all"), allLookups());
    cache.forEach((kind, l) -> putLookups(c.putObject(kind), l));
    var ups = o.putArray("upstreams");
    for (UpstreamHealth.State u : upstreams) {
      ObjectNode n = ups.addObject();
      n.put("name", u.name());
      n.put("url", u.url());
      u.owns().forEach(n.withArray("owns")::add);
      n.put("state", offline ? "offline" : u.state());
      n.put("last-success", u.lastSuccess().map(Instant::toString).orElse(null));
      n.put("last-failure", u.lastFailure().map(Instant::toString).orElse(null));
      n.put("last-error", u.lastError().isEmpty() ? null : u.lastError());
      n.put("last-latency-ms", u.lastLatency().map(Duration::toMillis).orElse(null));
      n.put("failures-in-a-row", u.failuresInARow());
      n.put("requests", u.requests());
    }
    ObjectNode p = o.putObject("policy");
    p.put("version", policy.version());
    p.put("mode", policy.mode());
    p.put("file", policy.file().orElse(null));
    var d = o.putArray("defences");
    for (var defence : defences) {
      ObjectNode n = d.addObject();
      n.put("name", defence.name());
      n.put("state", defence.state().spelling());
      n.put("detail", defence.detail());
      n.put("remedy", defence.remedy().orElse(null));
    }
    o.put("recent-blocks", blocks.size());
    return o;
  }

  private static void putLookups(ObjectNode n, Lookups l) {
    n.put("hits", l.hits()).put("misses", l.misses()).put("revalidations", l.revalidations());
    if (l.hitRate().isPresent()) {
      n.put("hit-rate", Math.round(l.hitRate().get() * 10_000) / 10_000.0);
    } else {
      n.putNull("hit-rate");
    }
  }

  /** One blocking decision as the admin API lists it. */
  public static ObjectNode toJson(RecentBlocks.Entry e) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("time", e.last().toString());
    n.put("first-time", e.first().toString());
    n.put("count", e.count());
    n.put("project", e.project());
    n.put("file", e.file());
    n.put("version", e.version());
    n.put("decision", e.decision());
    n.put("via", e.via());
    n.put("rule", e.rule());
    n.put("reason", e.reason());
    n.put("client", e.client());
    n.put("user", e.user());
    return n;
  }
}
