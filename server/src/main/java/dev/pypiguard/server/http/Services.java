package dev.pypiguard.server.http;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.cache.Downloads;
import dev.pypiguard.core.cache.PageCache;
import dev.pypiguard.policy.PageJudge;
import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.server.metrics.ProxyMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * What the request handlers share: configuration, caches, the store, the judge and metrics.
 *
 * @param config the running configuration
 * @param pages one page cache per upstream, in the configured order
 * @param store the artifact store
 * @param downloads the downloads in flight
 * @param judge the current judge (it changes when the policy is reloaded)
 * @param metrics metrics
 * @param blocking the executor for disk I/O, hashing, parsing and rendering
 * @param rendered the judged and rendered pages
 * @param tls whether clients reach us over TLS (file bodies cannot then be zero-copy)
 * @param audit the log of blocking decisions served
 * @param active requests being served now, for graceful shutdown
 * @param advisories the OSV data, when --advisories names any
 * @param record the {@code serve --record} file, when given
 * @param verdicts the provenance verdicts the attestation rules read
 * @param router which upstream serves which project
 * @param ops access control, upstream health, recent blocks and reloads (the admin API's)
 * @param storage the object store shared with other replicas, when configured
 * @param metadata the stored core metadata the {@code metadata} rule reads
 * @param weakHashes verification and pinning of files with only a weak hash
 * @param inspections the artifact inspections and reviews the inspection rules read
 */
public record Services(
    ServerConfig config,
    List<PageCache> pages,
    FileSystemBlobStore store,
    Downloads downloads,
    Supplier<PageJudge> judge,
    ProxyMetrics metrics,
    ExecutorService blocking,
    RenderedPages rendered,
    boolean tls,
    AuditLog audit,
    java.util.concurrent.atomic.AtomicInteger active,
    java.util.Optional<dev.pypiguard.server.policy.AdvisoryFeed> advisories,
    java.util.Optional<FetchRecord> record,
    dev.pypiguard.server.policy.VerdictStore verdicts,
    UpstreamRouter router,
    dev.pypiguard.server.admin.Operations ops,
    dev.pypiguard.server.storage.SharedStorage storage,
    dev.pypiguard.server.policy.StoredMetadata metadata,
    WeakHashPins weakHashes,
    dev.pypiguard.server.policy.InspectionStore inspections) {

  /** The weak-hash verifier over {@code known}, for the server's wiring. */
  public static WeakHashPins weakHashPins(dev.pypiguard.policy.rule.KnownFiles known) {
    return new WeakHashPins(known);
  }

  /** Where provenance documents and other per-file side data are kept. */
  Path sideDir(String kind) {
    return config.cacheDir().resolve(kind);
  }
}
