package dev.pypiguard.server.metrics;

import dev.pypiguard.core.cache.PageCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The proxy's Prometheus metrics: requests by route and status, cache hits and misses, upstream
 * latency and errors, bytes served, downloads in flight and integrity failures.
 */
public final class ProxyMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter bytesServed;

  /** Meters of the request path, resolved once per tag set (route names and statuses are few). */
  private final java.util.concurrent.ConcurrentHashMap<
          String, java.util.concurrent.ConcurrentHashMap<Integer, Timer>>
      requestTimers = new java.util.concurrent.ConcurrentHashMap<>();

  private final java.util.concurrent.ConcurrentHashMap<String, Counter> artifacts =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentHashMap<String, Counter> decisions =
      new java.util.concurrent.ConcurrentHashMap<>();

  public ProxyMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    bytesServed =
        Counter.builder("pypiguard.bytes.served")
            .description("Response body bytes sent to clients")
            .baseUnit("bytes")
            .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  public void request(String route, int status, Duration latency) {
    requestTimer(route, status).record(latency);
  }

  /** Records a request's time in nanoseconds (no {@link Duration} per request on the hot path). */
  public void request(String route, int status, long nanos) {
    requestTimer(route, status).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * The timer of a (route, status) pair, registered once and then found by a map look-up (a builder
   * and a registry search per request showed in profiles: README "Speed").
   */
  private Timer requestTimer(String route, int status) {
    var byStatus =
        requestTimers.computeIfAbsent(route, r -> new java.util.concurrent.ConcurrentHashMap<>());
    Timer t = byStatus.get(status);
    if (t == null) {
      t =
          byStatus.computeIfAbsent(
              status,
              st ->
                  Timer.builder("pypiguard.requests")
                      .description("Requests served, by route and status")
                      .tag("route", route)
                      .tag("status", Integer.toString(st))
                      .register(registry));
    }
    return t;
  }

  public void bytesServed(long n) {
    bytesServed.increment(n);
  }

  /** A file or metadata request answered from the store ({@code hit}) or the upstream. */
  public void artifact(String kind, String result) {
    artifacts
        .computeIfAbsent(
            kind + '\n' + result,
            k ->
                Counter.builder("pypiguard.cache.requests")
                    .description("Cache lookups, by kind of asset and result")
                    .tag("kind", kind)
                    .tag("result", result)
                    .register(registry))
        .increment();
  }

  /**
   * A policy decision served: {@code outcome} is {@code block} or {@code would-block} (audit mode).
   */
  public void decision(String rule, String outcome) {
    decision(rule, outcome, 1);
  }

  /** {@code count} policy decisions served (the audit log counts repeats, README "Audit log"). */
  public void decision(String rule, String outcome, long count) {
    // Resolved once per (rule, outcome).
    decisions
        .computeIfAbsent(
            rule + '\n' + outcome,
            k ->
                Counter.builder("pypiguard.policy.decisions")
                    .description("Blocking decisions served, by rule and outcome")
                    .tag("rule", rule)
                    .tag("outcome", outcome)
                    .register(registry))
        .increment(count);
  }

  /** A provenance verification finished: {@code verified}, {@code failed} or {@code unverified}. */
  public void attestation(String outcome) {
    Counter.builder("pypiguard.attestations.verifications")
        .description("PEP 740 provenance verifications, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  public void integrityFailure(String kind) {
    Counter.builder("pypiguard.integrity.failures")
        .description(
            "Upstream bytes refused because they did not match their declared hash or size")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /**
   * Times a file download from the upstream {@code upstream} and records its size, by outcome:
   * {@code ok}, {@code not-found}, {@code integrity} (bytes that did not match), {@code timeout} or
   * {@code error}.
   */
  public void watchDownload(String upstream, dev.pypiguard.core.cache.Download d) {
    long start = System.nanoTime();
    d.result()
        .whenComplete(
            (p, e) -> {
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                      ? e.getCause()
                      : e;
              String outcome =
                  cause == null
                      ? "ok"
                      : cause instanceof dev.pypiguard.core.blob.IntegrityException
                          ? "integrity"
                          : cause instanceof dev.pypiguard.core.cache.Download.DownloadFailure f
                              ? (f.notFound() ? "not-found" : f.timedOut() ? "timeout" : "error")
                              : "error";
              upstreamRequest(
                  upstream, "file", Duration.ofNanos(System.nanoTime() - start), outcome);
              DistributionSummary.builder("pypiguard.upstream.download.size")
                  .description("Bytes of files downloaded from upstreams")
                  .baseUnit("bytes")
                  .register(registry)
                  .record(d.written());
            });
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.Gauge.builder(name, value)
        .description(description)
        .register(registry);
  }

  /**
   * Page lookups and upstream page requests of the upstream {@code upstream}, for its page cache.
   */
  public PageCache.Listener forUpstream(String upstream) {
    return new PageCache.Listener() {
      @Override
      public void lookup(String kind, String result) {
        artifact(kind, result);
      }

      @Override
      public void upstream(String kind, Duration latency, String outcome) {
        upstreamRequest(upstream, kind, latency, outcome);
      }
    };
  }

  private void upstreamRequest(String upstream, String kind, Duration latency, String outcome) {
    Timer.builder("pypiguard.upstream.requests")
        .description("Upstream requests, by upstream, kind and outcome")
        .tag("upstream", upstream)
        .tag("kind", kind)
        .tag("outcome", outcome)
        .register(registry)
        .record(latency);
  }
}
