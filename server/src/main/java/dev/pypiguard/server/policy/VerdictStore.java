package dev.pypiguard.server.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.core.store.TieredRecords;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.attestation.AttestationVerifier;
import dev.pypiguard.policy.attestation.CertificateIdentity;
import dev.pypiguard.policy.attestation.EmailIdentity;
import dev.pypiguard.policy.attestation.ProvenanceVerdicts;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.PublisherMemory;
import dev.pypiguard.policy.attestation.TrustedRoot;
import dev.pypiguard.policy.attestation.Verification;
import dev.pypiguard.policy.rule.AttestationRule;
import dev.pypiguard.policy.rule.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provenance verdicts of the running server, which the {@link AttestationRule} reads and the
 * request handler fills before judging a page: in memory, and persisted under {@code
 * <cache-dir>/provenance/<sha[0:2]>/<sha>.<root>.verdict} so a restart does not verify again.
 *
 * <p>A verdict is immutable for a file's sha256 and a trusted root, so both make its key; a policy
 * that names another trusted root sees none of the other root's verdicts. Verification runs on a
 * small pool of its own: the request threads that wait for it (briefly) are the blocking pool's,
 * which must not be the pool that does the work.
 */
public final class VerdictStore implements ProvenanceVerdicts, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VerdictStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The trusted root in force, with its verifier. */
  private record Root(String id, AttestationVerifier verifier) {}

  private final Path dir;
  private final TieredRecords stored;
  private final ExecutorService pool;
  private final PublisherMemory memory;
  private final Map<String, Verification> verdicts = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, Root> roots = new ConcurrentHashMap<>();
  private volatile Root root;
  private volatile boolean active;
  private volatile java.util.function.Consumer<Verification> onVerified = v -> {};

  /**
   * A store under {@code <cacheDir>/provenance}, verifying with at most {@code threads} threads.
   */
  public VerdictStore(Path cacheDir, int threads) {
    this(cacheDir, threads, Optional.empty(), Optional.empty());
  }

  /**
   * A store that also keeps its verdicts in {@code shared} under {@code
   * verdicts/<sha[0:2]>/<sha>.<root>.verdict}, and reads those of other replicas: a verdict is a
   * function of the file and the trusted root, so every replica would write the same one. The
   * publishers remembered for {@code publisher-change} are shared through {@code publishers}.
   */
  public VerdictStore(
      Path cacheDir,
      int threads,
      Optional<ObjectStore> shared,
      Optional<PublisherMemory.Shared> publishers) {
    this.dir = cacheDir.resolve("provenance");
    this.stored = new TieredRecords(dir, shared, "verdicts/", "verdict");
    var n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "pypi-guard-provenance-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.memory = PublisherMemory.open(dir.resolve("publishers.tsv"), publishers);
    this.root = production();
  }

  private Root production() {
    return roots.computeIfAbsent(
        "production", k -> new Root(k, new AttestationVerifier(TrustedRoot.production())));
  }

  /**
   * The attestation rules of {@code policy}, switching this store to its trusted root; none when
   * the policy has no {@code attestations} rules.
   */
  public List<Rule> rules(Policy policy) {
    AttestationPolicy a = policy.attestations();
    active = a.active();
    if (!a.active()) {
      return List.of();
    }
    root = a.trustedRoot().map(this::load).orElseGet(this::production);
    return List.of(new AttestationRule(a, this, memory));
  }

  private Root load(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String id = sha256(bytes).substring(0, 16);
      return roots.computeIfAbsent(
          id,
          k -> {
            try {
              return new Root(k, new AttestationVerifier(TrustedRoot.load(file)));
            } catch (IOException e) {
              throw new ConfigException(
                  "attestations.trusted-root: " + file + " cannot be read: " + e.getMessage());
            }
          });
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          "attestations.trusted-root: " + file + " cannot be used: " + e.getMessage());
    }
  }

  /** Whether the policy in force has attestation rules, so that verdicts are worth getting. */
  public boolean active() {
    return active;
  }

  @Override
  public Optional<Verification> verdict(Sha256 sha256) {
    return Optional.ofNullable(verdicts.get(key(sha256.hex())));
  }

  @Override
  public String generation() {
    return root.id() + "-" + counter.get();
  }

  private String key(String sha256) {
    return sha256 + "." + root.id();
  }

  /**
   * Makes sure the file with {@code sha256} gets a verdict: from memory, from disk, or by verifying
   * the provenance document {@code provenance} supplies (a blocking call that fetches or reads it;
   * empty when it cannot be had now, which leaves the file without a verdict and so is tried again
   * next time). Completes when done; at most one verification per file at a time.
   */
  public CompletableFuture<Void> ensure(
      Sha256 sha256, String filename, Supplier<Optional<UpstreamProvenance>> provenance) {
    return ensureAsync(sha256, filename, () -> CompletableFuture.completedFuture(provenance.get()));
  }

  /**
   * As {@link #ensure}, with the provenance document obtained as a future: the verdict pool's
   * threads never wait for the network (issue 13: no pool thread parks on {@code get()}).
   */
  public CompletableFuture<Void> ensureAsync(
      Sha256 digest,
      String filename,
      Supplier<CompletableFuture<Optional<UpstreamProvenance>>> provenance) {
    String sha256 = digest.hex();
    Root r = root;
    String key = sha256 + "." + r.id();
    if (verdicts.containsKey(key)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return running;
    }
    try {
      CompletableFuture.supplyAsync(() -> readStored(sha256, r.id()), pool)
          .thenCompose(
              stored -> {
                if (stored.isPresent()) {
                  put(key, stored.get());
                  return CompletableFuture.<Void>completedFuture(null);
                }
                return provenance
                    .get()
                    .thenAcceptAsync(
                        p -> {
                          if (p.isEmpty()) {
                            return;
                          }
                          Verification v =
                              p.get() instanceof UpstreamProvenance.Missing m
                                  ? new Verification.Unverified(m.why())
                                  : verify(
                                      r,
                                      ((UpstreamProvenance.Document) p.get()).json(),
                                      filename,
                                      sha256);
                          put(key, v);
                          onVerified.accept(v);
                          if (p.get() instanceof UpstreamProvenance.Document) {
                            // A 404 may be temporary upstream; only a verdict on a document is for
                            // good.
                            store(sha256, r.id(), v);
                          }
                        },
                        pool);
              })
          .whenComplete(
              (ok, failed) -> {
                inFlight.remove(key, mine);
                if (failed != null) {
                  mine.completeExceptionally(failed);
                } else {
                  mine.complete(null);
                }
              });
    } catch (RuntimeException e) {
      // the pool refused the work (closed): nothing is in flight
      inFlight.remove(key, mine);
      mine.completeExceptionally(e);
    }
    return mine;
  }

  /** What the upstream gave for a file's provenance. */
  public sealed interface UpstreamProvenance
      permits UpstreamProvenance.Document, UpstreamProvenance.Missing {
    /** The Integrity API provenance object. */
    record Document(String json) implements UpstreamProvenance {}

    /** The upstream says there is none, though its page named a URL. */
    record Missing(String why) implements UpstreamProvenance {}
  }

  private static Verification verify(Root r, String json, String filename, String sha256) {
    try {
      return r.verifier()
          .verify(dev.pypiguard.policy.attestation.Provenance.parse(json), filename, sha256);
    } catch (RuntimeException e) {
      // A malformed document is not evidence of anything good: it fails, with what was wrong.
      return new Verification.Failed("malformed provenance: " + e.getMessage());
    }
  }

  /** Sees every new verdict (not those read back from disk), for metrics. */
  public void onVerified(java.util.function.Consumer<Verification> listener) {
    this.onVerified = listener;
  }

  private void put(String key, Verification v) {
    verdicts.put(key, v);
    counter.incrementAndGet();
  }

  /** A verdict's name, the same on disk and in the shared store. */
  private static String name(String sha256, String rootId) {
    return sha256.substring(0, 2) + "/" + sha256 + "." + rootId + ".verdict";
  }

  private Optional<Verification> readStored(String sha256, String rootId) {
    Path p = stored.local(name(sha256, rootId));
    try {
      Optional<byte[]> bytes = stored.read(name(sha256, rootId), b -> true);
      return bytes.isEmpty() ? Optional.empty() : fromJson(JSON.readTree(bytes.get()));
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable verdict {}: {}", p, e.toString());
      return Optional.empty();
    }
  }

  private void store(String sha256, String rootId, Verification v) {
    Optional<ObjectNode> json = toJson(v);
    if (json.isEmpty()) {
      return;
    }
    try {
      // First writer wins in the shared store: every replica would write the same verdict.
      stored.create(name(sha256, rootId), JSON.writeValueAsBytes(json.get()));
    } catch (IOException e) {
      LOG.warn("cannot persist verdict {}: {}", stored.local(name(sha256, rootId)), e.toString());
    }
  }

  static Optional<ObjectNode> toJson(Verification v) {
    ObjectNode o = JSON.createObjectNode();
    if (v instanceof Verification.Failed f) {
      o.put("outcome", "failed").put("reason", f.reason());
    } else if (v instanceof Verification.Unverified u) {
      o.put("outcome", "unverified").put("reason", u.reason());
    } else if (v instanceof Verification.Verified ok) {
      o.put("outcome", "verified").put("integrated-time", ok.integratedTime().toString());
      ok.predicateTypes().forEach(o.putArray("predicate-types")::add);
      ObjectNode id = o.putObject("identity");
      CertificateIdentity c = ok.identity();
      if (c instanceof Publisher.GitHub g) {
        id.put("kind", "GitHub").put("repository", g.repository()).put("workflow", g.workflow());
        g.environment().ifPresent(e -> id.put("environment", e));
      } else if (c instanceof Publisher.GitLab g) {
        id.put("kind", "GitLab")
            .put("repository", g.repository())
            .put("workflow_filepath", g.workflowFilepath());
        g.environment().ifPresent(e -> id.put("environment", e));
      } else if (c instanceof Publisher.Google g) {
        id.put("kind", "Google").put("email", g.email());
      } else if (c instanceof EmailIdentity e) {
        id.put("kind", "email").put("email", e.email()).put("issuer", e.issuer());
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(o);
  }

  static Optional<Verification> fromJson(JsonNode o) {
    String outcome = o.path("outcome").asText();
    switch (outcome) {
      case "failed":
        return Optional.of(new Verification.Failed(o.path("reason").asText()));
      case "unverified":
        return Optional.of(new Verification.Unverified(o.path("reason").asText()));
      case "verified":
        JsonNode id = o.path("identity");
        Optional<String> env =
            id.hasNonNull("environment")
                ? Optional.of(id.get("environment").asText())
                : Optional.empty();
        CertificateIdentity c;
        switch (id.path("kind").asText()) {
          case "GitHub":
            c =
                new Publisher.GitHub(
                    id.path("repository").asText(), id.path("workflow").asText(), env);
            break;
          case "GitLab":
            c =
                new Publisher.GitLab(
                    id.path("repository").asText(), id.path("workflow_filepath").asText(), env);
            break;
          case "Google":
            c = new Publisher.Google(id.path("email").asText());
            break;
          case "email":
            c = new EmailIdentity(id.path("email").asText(), id.path("issuer").asText());
            break;
          default:
            return Optional.empty();
        }
        var types = new ArrayList<String>();
        o.path("predicate-types").forEach(t -> types.add(t.asText()));
        return Optional.of(
            new Verification.Verified(c, types, Instant.parse(o.path("integrated-time").asText())));
      default:
        return Optional.empty();
    }
  }

  private static String sha256(byte[] bytes) {
    return dev.pypiguard.core.blob.Sha256.of(bytes).hex();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
