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
public final class ProxyMetrics implements PageCache.Listener {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter bytesServed;

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
    Timer.builder("pypiguard.requests")
        .description("Requests served, by route and status")
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry)
        .record(latency);
  }

  public void bytesServed(long n) {
    bytesServed.increment(n);
  }

  /** A file or metadata request answered from the store ({@code hit}) or the upstream. */
  public void artifact(String kind, String result) {
    Counter.builder("pypiguard.cache.requests")
        .description("Cache lookups, by kind of asset and result")
        .tag("kind", kind)
        .tag("result", result)
        .register(registry)
        .increment();
  }

  /** A policy decision served: {@code outcome} is {@code block} or {@code would-block} (audit mode). */
  public void decision(String rule, String outcome) {
    Counter.builder("pypiguard.policy.decisions")
        .description("Blocking decisions served, by rule and outcome")
        .tag("rule", rule)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
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
        .description("Upstream bytes refused because they did not match their declared hash or size")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  public void download(Duration latency, String outcome, long bytes) {
    Timer.builder("pypiguard.upstream.requests")
        .description("Upstream requests, by kind and outcome")
        .tag("kind", "file")
        .tag("outcome", outcome)
        .register(registry)
        .record(latency);
    DistributionSummary.builder("pypiguard.upstream.download.size")
        .baseUnit("bytes")
        .register(registry)
        .record(bytes);
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.Gauge.builder(name, value).description(description).register(registry);
  }

  @Override
  public void lookup(String kind, String result) {
    artifact(kind, result);
  }

  @Override
  public void upstream(String kind, Duration latency, String outcome) {
    Timer.builder("pypiguard.upstream.requests")
        .description("Upstream requests, by kind and outcome")
        .tag("kind", kind)
        .tag("outcome", outcome)
        .register(registry)
        .record(latency);
  }
}
