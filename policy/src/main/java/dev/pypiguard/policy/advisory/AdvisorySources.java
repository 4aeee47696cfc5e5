package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.project.ProjectName;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several advisory sources answering as one: the file sources merged into one {@link
 * AdvisoryDatabase}, swapped atomically on {@link #reload()}, and at most one {@link OsvApiSource}
 * whose known answers are merged in at each look-up.
 */
public final class AdvisorySources implements AdvisoryLookup {
  /** The OSV API's public base URL. */
  public static final URI OSV_API = URI.create("https://api.osv.dev");

  private static final Logger LOG = LoggerFactory.getLogger(AdvisorySources.class);

  private final List<AdvisorySource> files;
  private final Optional<OsvApiSource> online;
  private final AtomicReference<AdvisoryDatabase> database;
  private final AtomicReference<List<Summary>> summaries;

  /**
   * What one file source held when it was last read: shown at start, in {@code /healthz} and on the
   * status page, so that stale data is visible.
   *
   * @param source the source, as {@link AdvisorySource#describe()} names it
   * @param records the records read (withdrawn ones included)
   * @param malicious how many of them report malicious packages
   * @param newest the newest {@code modified} among them: the date of the data
   */
  public record Summary(String source, int records, long malicious, Optional<Instant> newest) {
    public Summary {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(newest, "newest");
    }

    static Summary of(AdvisorySource s, List<Advisory> records) {
      return new Summary(
          s.describe(),
          records.size(),
          records.stream().filter(Advisory::malicious).count(),
          records.stream().flatMap(a -> a.modified().stream()).max(Instant::compareTo));
    }

    /** {@code bundled ...: 8 records (8 malicious), as of 2026-09-04}. */
    @Override
    public String toString() {
      return source
          + ": "
          + records
          + " records ("
          + malicious
          + " malicious)"
          + newest.map(t -> ", as of " + t.toString().substring(0, 10)).orElse("");
    }
  }

  private AdvisorySources(
      List<AdvisorySource> files,
      Optional<OsvApiSource> online,
      AdvisoryDatabase first,
      List<Summary> summaries) {
    this.files = files;
    this.online = online;
    this.database = new AtomicReference<>(first);
    this.summaries = new AtomicReference<>(summaries);
  }

  /**
   * A source from its command-line spelling ({@code --advisories}): {@code osv-api} for online
   * look-ups at {@code apiBase}, a {@code .zip} file, or a directory.
   *
   * @throws IllegalArgumentException naming the spec when it is none of these
   */
  public static AdvisorySource parse(String spec, URI apiBase) {
    return parse(spec, apiBase, b -> {});
  }

  /**
   * As {@link #parse(String, URI)}, the OSV API reached over a client {@code network} configures.
   */
  public static AdvisorySource parse(
      String spec,
      URI apiBase,
      java.util.function.Consumer<java.net.http.HttpClient.Builder> network) {
    String s = spec.strip();
    if (s.equals(BundledSnapshot.SPEC)) {
      return new BundledSnapshot();
    }
    if (s.equals("osv-api")) {
      return new OsvApiSource(apiBase, network);
    }
    if (s.startsWith("osv-api:")) {
      // osv-api:URL points at another OSV API server (a mirror, or a test double).
      try {
        URI base = URI.create(s.substring("osv-api:".length()));
        if (base.getScheme() != null && base.getHost() != null) {
          return new OsvApiSource(base, network);
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
    }
    Path p = Path.of(s);
    if (Files.isDirectory(p)) {
      return new OsvDirectorySource(p);
    }
    if (s.toLowerCase(java.util.Locale.ROOT).endsWith(".zip") && Files.isRegularFile(p)) {
      return new OsvZipSource(p);
    }
    throw new IllegalArgumentException(
        "--advisories: \""
            + spec
            + "\" (expected: a directory of OSV files, an OSV .zip export, bundled, osv-api or osv-api:URL)");
  }

  /** As {@link #parse(String, URI)} with the public OSV API. */
  public static AdvisorySource parse(String spec) {
    return parse(spec, OSV_API);
  }

  /**
   * Reads every file source now and keeps the online one, if any (at most one).
   *
   * @throws IOException naming the source that could not be read
   */
  public static AdvisorySources load(List<AdvisorySource> sources) throws IOException {
    var files = new ArrayList<AdvisorySource>();
    Optional<OsvApiSource> online = Optional.empty();
    for (AdvisorySource s : sources) {
      if (s instanceof OsvApiSource api) {
        if (online.isPresent()) {
          throw new IllegalArgumentException("--advisories: osv-api given twice");
        }
        online = Optional.of(api);
      } else {
        files.add(s);
      }
    }
    var summaries = new ArrayList<Summary>();
    AdvisoryDatabase db = read(files, summaries);
    return new AdvisorySources(List.copyOf(files), online, db, List.copyOf(summaries));
  }

  /** Reads every file source into one database, adding what each held to {@code summaries}. */
  private static AdvisoryDatabase read(List<AdvisorySource> files, List<Summary> summaries)
      throws IOException {
    var all = new ArrayList<Advisory>();
    for (AdvisorySource s : files) {
      long start = System.nanoTime();
      List<Advisory> got;
      if (s instanceof OsvDirectorySource d) {
        got = d.load();
      } else if (s instanceof OsvZipSource z) {
        got = z.load();
      } else if (s instanceof BundledSnapshot b) {
        got = b.load();
      } else {
        throw new IllegalStateException("not a file source: " + s.describe());
      }
      LOG.info(
          "read {} PyPI advisories from {} in {} ms",
          got.size(),
          s.describe(),
          (System.nanoTime() - start) / 1_000_000);
      all.addAll(got);
      summaries.add(Summary.of(s, got));
    }
    return AdvisoryDatabase.of(all);
  }

  /**
   * Reads the file sources again and swaps the result in; readers never wait. On failure the
   * previous database stays and the failure is logged.
   *
   * @return whether the content changed
   */
  public boolean reload() {
    try {
      var read = new ArrayList<Summary>();
      AdvisoryDatabase next = read(files, read);
      summaries.set(List.copyOf(read));
      AdvisoryDatabase before = database.getAndSet(next);
      lastRefresh = new RefreshState(java.time.Instant.now(), Optional.empty());
      return !before.generation().equals(next.generation());
    } catch (IOException | RuntimeException | StackOverflowError | OutOfMemoryError e) {
      // Whatever a bad source does, the refresher lives on and the last good data stays.
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      lastRefresh = new RefreshState(java.time.Instant.now(), Optional.of(why));
      LOG.warn("advisories not reloaded, keeping the previous ones: {}", why);
      return false;
    }
  }

  /** When the file sources were last read, and why that failed when it did. */
  public record RefreshState(java.time.Instant at, Optional<String> failure) {}

  private volatile RefreshState lastRefresh =
      new RefreshState(java.time.Instant.now(), Optional.empty());

  /** The last reading of the file sources (at start, or by the refresher). */
  public RefreshState lastRefresh() {
    return lastRefresh;
  }

  /** The current database of the file sources. */
  public AdvisoryDatabase database() {
    return java.util.Objects.requireNonNull(database.get());
  }

  /** What each file source held when last read, in the order given. */
  public List<Summary> summaries() {
    return java.util.Objects.requireNonNull(summaries.get());
  }

  /** The online source, when {@code osv-api} was given. */
  public Optional<OsvApiSource> online() {
    return online;
  }

  /**
   * The file sources' answer merged with what the online source knows; a release the online source
   * has no answer for is queued for its next batch ({@link OsvApiSource#request}).
   */
  @Override
  public List<Advisory> affecting(ProjectName project, String version) {
    // One database for the whole answer, even if a refresh swaps it meanwhile.
    AdvisoryDatabase files = java.util.Objects.requireNonNull(database.get());
    if (online.isEmpty()) {
      return files.affecting(project, version);
    }
    OsvApiSource api = online.get();
    api.request(new OsvApiSource.Query(project, version));
    List<Advisory> fromApi = api.known(project, version);
    if (fromApi.isEmpty()) {
      return files.affecting(project, version);
    }
    // Merge the unmerged records of both: the files' hits and the API's records.
    var raw = new ArrayList<Advisory>(files.hits(project, version));
    var seen = new java.util.HashSet<String>();
    raw.forEach(a -> seen.add(a.id()));
    for (Advisory a : fromApi) {
      // The API has already decided the record affects this release.
      if (a.withdrawn().isEmpty() && seen.add(a.id())) {
        raw.add(a);
      }
    }
    return AdvisoryDatabase.merge(project.value(), raw);
  }

  @Override
  public boolean answered(ProjectName project, String version) {
    return online.map(a -> a.answered(new OsvApiSource.Query(project, version))).orElse(true);
  }

  @Override
  public String unansweredWhy() {
    return online
        .map(
            a -> {
              var st = a.status();
              return a.describe()
                  + (st.reachable()
                      ? " has not answered yet"
                      : " is unreachable" + st.lastError().map(e -> " (" + e + ")").orElse(""));
            })
        .orElse("not answered yet");
  }

  @Override
  public Optional<Advisory> maliciousProject(ProjectName project) {
    Optional<Advisory> m =
        java.util.Objects.requireNonNull(database.get()).maliciousProject(project);
    return m.isPresent() ? m : online.flatMap(a -> a.maliciousProject(project));
  }

  @Override
  public String generation() {
    return java.util.Objects.requireNonNull(database.get()).generation()
        + online.map(a -> "+" + a.generation()).orElse("");
  }

  /**
   * Starts reloading the file sources every {@code interval} on a daemon thread.
   *
   * @return the refresher, to close on shutdown
   */
  public Refresher startRefresher(Duration interval) {
    return new Refresher(this, interval);
  }

  /** Reloads file sources periodically in the background; readers are never blocked. */
  public static final class Refresher implements AutoCloseable {
    private final ScheduledExecutorService timer;

    Refresher(AdvisorySources sources, Duration interval) {
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException(
            "advisory refresh interval: " + interval + " (expected: above zero)");
      }
      Objects.requireNonNull(sources, "sources");
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "advisory-refresher");
                t.setDaemon(true);
                return t;
              });
      long ms = interval.toMillis();
      timer.scheduleWithFixedDelay(
          () -> {
            // An escaping throwable would cancel every later run: nothing may escape.
            try {
              if (sources.reload()) {
                LOG.info("advisories changed: now {}", sources.generation());
              }
            } catch (Throwable t) {
              LOG.warn("advisory refresh failed, keeping the previous data: {}", t.toString());
            }
          },
          ms,
          ms,
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
