package dev.pypiguard.server.policy;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.core.store.TieredRecords;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.inspection.Finding;
import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.InspectionJson;
import dev.pypiguard.policy.inspection.Inspector;
import dev.pypiguard.policy.rule.InspectionRule;
import dev.pypiguard.policy.rule.Inspections;
import dev.pypiguard.policy.rule.LookalikeRule;
import dev.pypiguard.policy.rule.Rule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inspections and reviews of the running server (README "Artifact inspection"): in memory,
 * under {@code <cache-dir>/inspections/<sha[0:2]>/<sha>.json} and, with a shared store, under
 * {@code inspections/<sha[0:2]>/<sha>.json} there, so a replica reads what another inspected (an
 * inspection is a function of the bytes, so every replica would write the same one). Reviews (an
 * admin clearing a held file) are one immutable object each, {@code reviews/<sha>.json}, listed
 * from the shared store every 10 seconds.
 *
 * <p>Inspection runs on a pool of its own (two threads): requests that wait for it are the blocking
 * pool's. Files already cached are inspected in the background after start, never on a cached hit's
 * path.
 */
public final class InspectionStore implements Inspections, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InspectionStore.class);

  /** The recent inspections with findings kept for the status page and the admin API. */
  private static final int RECENT = 100;

  /** Held files remembered for the admin API. */
  private static final int HELD = 1_000;

  /** An inspection with findings, when and of what it was made. */
  public record Recent(Instant time, String sha256, String filename, Inspection inspection) {}

  /** A file a rule holds, as last judged. */
  public record Held(
      String sha256,
      String project,
      String filename,
      String version,
      Reason reason,
      Instant since) {}

  private final Path dir;
  private final Optional<ObjectStore> shared;
  private final TieredRecords stored;
  private final TieredRecords reviewRecords;
  private final Inspector inspector;
  private final Clock clock;
  private final ExecutorService pool;
  private final ScheduledExecutorService sync;
  private final Map<String, Inspection> inspections = new ConcurrentHashMap<>();
  private final Map<String, String> reviews = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Inspection>> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Held> held =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Held> e) {
              return size() > HELD;
            }
          });
  private final Deque<Recent> recent = new ArrayDeque<>();
  private final AtomicLong counter = new AtomicLong();
  private final MeterRegistry registry;
  private final Timer timer;
  private volatile boolean active;

  public InspectionStore(
      Path cacheDir, Optional<ObjectStore> shared, MeterRegistry registry, Clock clock) {
    this.dir = cacheDir.resolve("inspections");
    this.shared = shared;
    this.stored = new TieredRecords(dir, shared, "inspections/", "inspection");
    this.reviewRecords = new TieredRecords(dir.resolve("reviews"), shared, "reviews/", "review");
    this.inspector = new Inspector();
    this.clock = clock;
    this.registry = registry;
    this.timer =
        Timer.builder("pypiguard.inspection.seconds")
            .description("Time to inspect one file (archive reading and checks)")
            .register(registry);
    var n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "pypi-guard-inspection-" + n.incrementAndGet());
              t.setDaemon(true);
              t.setPriority(Thread.NORM_PRIORITY - 1);
              return t;
            });
    this.sync =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pypi-guard-reviews");
              t.setDaemon(true);
              return t;
            });
    loadReviews();
    if (shared.isPresent()) {
      sync.scheduleWithFixedDelay(this::syncReviews, 0, 10, TimeUnit.SECONDS);
    }
  }

  /** The inspection and look-alike rules of {@code policy}; switches inspection on or off. */
  public List<Rule> rules(Policy policy) {
    active = policy.inspection().active();
    var rules = new ArrayList<Rule>();
    if (policy.inspection().active()) {
      rules.add(new InspectionRule(policy.inspection(), this));
    }
    if (policy.lookalikes().active()) {
      rules.add(new LookalikeRule(policy.lookalikes(), this));
    }
    return rules;
  }

  /** Whether the policy in force inspects files, so that files are worth inspecting. */
  public boolean active() {
    return active;
  }

  @Override
  public Optional<Inspection> inspection(Sha256 sha256) {
    return Optional.ofNullable(inspections.get(sha256.hex()));
  }

  @Override
  public Optional<String> review(Sha256 sha256) {
    return Optional.ofNullable(reviews.get(sha256.hex()));
  }

  @Override
  public String generation() {
    return Long.toString(counter.get());
  }

  @Override
  public void held(
      Optional<Sha256> digest, String project, String filename, String version, Reason reason) {
    // A file without a (well-formed) sha256 is listed under "" as before: it cannot be cleared.
    String sha256 = digest.map(Sha256::hex).orElse("");
    Held before = held.get(sha256);
    held.put(
        sha256,
        new Held(
            sha256,
            project,
            filename,
            version,
            reason,
            before == null ? clock.instant() : before.since()));
  }

  /** The files held now (not reviewed since), newest first. */
  public List<Held> heldFiles() {
    List<Held> all;
    synchronized (held) {
      all = new ArrayList<>(held.values());
    }
    return all.stream()
        .filter(h -> !reviews.containsKey(h.sha256()))
        .sorted(Comparator.comparing(Held::since).reversed())
        .toList();
  }

  /** The held file with this sha256, when a rule holds it. */
  public Optional<Held> heldFile(Sha256 sha256) {
    return Optional.ofNullable(held.get(sha256.hex()));
  }

  /** The newest inspections that found something, newest first. */
  public List<Recent> recent(int limit) {
    synchronized (recent) {
      return recent.stream().limit(limit).toList();
    }
  }

  /**
   * Makes sure the stored file {@code blob} with {@code sha256} is inspected: from memory, from
   * disk, from the shared store, or by reading it. At most one inspection per file at a time.
   */
  public CompletableFuture<Inspection> ensure(Sha256 digest, Path blob, Optional<String> filename) {
    String sha256 = digest.hex();
    Inspection known = inspections.get(sha256);
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return inFlight.computeIfAbsent(
        sha256,
        k ->
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    Optional<Inspection> stored = readStored(sha256);
                    if (stored.isPresent()) {
                      put(sha256, stored.get(), filename, false);
                      return stored.get();
                    }
                    long t0 = System.nanoTime();
                    Inspection i = inspector.inspect(blob, filename);
                    timer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                    put(sha256, i, filename, true);
                    store(sha256, i);
                    return i;
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  } finally {
                    inFlight.remove(k);
                  }
                },
                pool));
  }

  /** Inspects, in the background, every file of {@code blobs} not inspected yet. */
  public void inspectCached(FileSystemBlobStore blobs) {
    pool.execute(
        () -> {
          Path root = blobs.root().resolve("sha256");
          if (!Files.isDirectory(root)) {
            return;
          }
          int n = 0;
          try (Stream<Path> files = Files.walk(root, 3)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
              String name = p.getFileName().toString();
              Optional<Sha256> sha = Sha256.parse(name);
              if (sha.isEmpty() || inspections.containsKey(name)) {
                continue;
              }
              try {
                ensure(sha.get(), p, Optional.empty()).get(10, TimeUnit.MINUTES);
                n++;
              } catch (Exception e) {
                LOG.debug("background inspection of {}: {}", name, e.toString());
              }
            }
          } catch (IOException | RuntimeException e) {
            LOG.warn("walking the store for inspection: {}", e.toString());
          }
          if (n > 0) {
            LOG.info("inspected {} files already in the cache", n);
          }
        });
  }

  private void put(String sha256, Inspection i, Optional<String> filename, boolean fresh) {
    inspections.put(sha256, i);
    counter.incrementAndGet();
    if (fresh) {
      Counter.builder("pypiguard.inspections")
          .description("Files inspected, by kind")
          .tag("kind", i.kind().spelling())
          .register(registry)
          .increment();
      for (Finding f : i.findings()) {
        Counter.builder("pypiguard.inspection.findings")
            .description("Inspection findings, by rule and severity")
            .tag("rule", f.rule())
            .tag("severity", f.severity().spelling())
            .register(registry)
            .increment();
      }
      if (!i.findings().isEmpty()) {
        LOG.info(
            "inspected {} ({}): {}",
            filename.orElse(sha256),
            sha256,
            String.join("; ", i.findings().stream().map(Finding::describe).limit(5).toList()));
      }
    }
    if (!i.findings().isEmpty() || !i.commands().isEmpty()) {
      synchronized (recent) {
        recent.removeIf(r -> r.sha256().equals(sha256));
        recent.addFirst(new Recent(clock.instant(), sha256, filename.orElse(""), i));
        while (recent.size() > RECENT) {
          recent.removeLast();
        }
      }
    }
  }

  // ---- persistence --------------------------------------------------------------------

  /** An inspection's name, the same on disk and in the shared store. */
  private static String name(String sha256) {
    return sha256.substring(0, 2) + "/" + sha256 + ".json";
  }

  private Optional<Inspection> readStored(String sha256) {
    try {
      return stored
          .read(
              name(sha256),
              b -> InspectionJson.read(b).filter(InspectionStore::current).isPresent())
          .flatMap(InspectionJson::read);
    } catch (IOException e) {
      LOG.warn("cannot read the inspection of {}: {}", sha256, e.toString());
    }
    return Optional.empty();
  }

  /** An inspection by an older inspector is done again (its checks were fewer or other). */
  private static boolean current(Inspection i) {
    return i.inspector() == Inspector.VERSION;
  }

  private void store(String sha256, Inspection i) {
    try {
      // Not create-if-absent: an older inspector's record is replaced by this one.
      stored.write(name(sha256), InspectionJson.write(i));
    } catch (IOException e) {
      LOG.warn("cannot persist the inspection of {}: {}", sha256, e.toString());
    }
  }

  // ---- reviews -------------------------------------------------------------------------

  /**
   * Records that an admin cleared the held file {@code sha256} (locally and in the shared store, so
   * every replica serves it within seconds); {@code why} names who and why.
   */
  public void clear(Sha256 digest, String why) throws IOException {
    String sha256 = digest.hex();
    byte[] json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .createObjectNode()
            .put("sha256", sha256)
            .put("reason", why)
            .put("time", clock.instant().toString())
            .toString()
            .getBytes(StandardCharsets.UTF_8);
    reviewRecords.create(sha256 + ".json", json);
    reviews.put(sha256, why);
    counter.incrementAndGet();
  }

  private void loadReviews() {
    Path r = reviewRecords.dir();
    if (!Files.isDirectory(r)) {
      return;
    }
    try (Stream<Path> files = Files.list(r)) {
      files
          .filter(p -> p.getFileName().toString().endsWith(".json"))
          .forEach(
              p -> {
                try {
                  readReview(Files.readAllBytes(p));
                } catch (IOException e) {
                  LOG.warn("ignoring unreadable review {}: {}", p, e.toString());
                }
              });
    } catch (IOException e) {
      LOG.warn("cannot list reviews in {}: {}", r, e.toString());
    }
  }

  private void readReview(byte[] bytes) throws IOException {
    var o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
    String sha = o.path("sha256").asText();
    if (Sha256.parse(sha).isPresent()
        && reviews.putIfAbsent(sha, o.path("reason").asText()) == null) {
      counter.incrementAndGet();
    }
  }

  private void syncReviews() {
    try {
      ObjectStore s = shared.get();
      if (!s.reachable()) {
        return;
      }
      for (String key : s.list("reviews/")) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        String sha = name.endsWith(".json") ? name.substring(0, name.length() - 5) : "";
        if (Sha256.parse(sha).isEmpty() || reviews.containsKey(sha)) {
          continue;
        }
        Optional<byte[]> bytes = s.read(key);
        if (bytes.isPresent()) {
          reviewRecords.writeLocal(sha + ".json", bytes.get());
          readReview(bytes.get());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("syncing reviews: {}", e.toString());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
    sync.shutdownNow();
  }
}
