package dev.pypiguard.policy.attestation;

import dev.pypiguard.core.io.DurableFile;
import dev.pypiguard.core.version.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The publisher each project's verified releases were attested by, for {@code
 * attestations.publisher-change}: the first publisher seen for a project and the earliest version
 * it verified. Kept in a small text file when given one, so a restart does not forget it.
 * Thread-safe.
 */
public final class PublisherMemory {
  /**
   * What is remembered of one project.
   *
   * @param key the publisher's identity, compared for equality (see {@link #key})
   * @param display the publisher as messages name it
   * @param since the release of the first verified upload
   * @param uploaded when that file was uploaded; empty in records kept before upload order counted
   *     (issue 13), which are compared by version
   */
  public record Remembered(
      String key, String display, String since, Optional<java.time.Instant> uploaded) {
    public Remembered {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(display, "display");
      Objects.requireNonNull(since, "since");
      Objects.requireNonNull(uploaded, "uploaded");
    }

    /** A record without an upload time, compared by version. */
    public Remembered(String key, String display, String since) {
      this(key, display, since, Optional.empty());
    }

    /** Whether {@code other} was verified before this one, so that it is the one to remember. */
    boolean supersededBy(Remembered other) {
      if (uploaded.isPresent() && other.uploaded.isPresent()) {
        return other.uploaded.get().isBefore(uploaded.get());
      }
      if (uploaded.isEmpty() && other.uploaded.isEmpty()) {
        Optional<Version> mine = Version.tryParse(since);
        Optional<Version> theirs = Version.tryParse(other.since);
        return mine.isPresent() && theirs.isPresent() && theirs.get().compareTo(mine.get()) < 0;
      }
      // One side lacks the upload time: the one remembered first stays; a later sighting never
      // replaces it (a lower version uploaded later must not become the reference).
      return false;
    }
  }

  /**
   * Where a memory also keeps what it learns, so that every replica of a fleet remembers what any
   * of them saw. Each release's publisher is one immutable record; the earliest wins.
   * Implementations never throw: an unreachable store answers nothing.
   */
  public interface Shared {
    /**
     * Keeps that release {@code r.since()} of {@code project} is attested by {@code r}'s publisher.
     */
    void keep(String project, Remembered r);

    /** The releases of {@code project} that any replica kept. */
    List<Remembered> all(String project);
  }

  /** How long the shared records of a project are trusted before they are read again. */
  private static final long SYNC_NANOS = 10_000_000_000L;

  private final Optional<Path> file;
  private final Optional<Shared> shared;
  private final Map<String, Remembered> projects = new TreeMap<>();
  private final Map<String, Long> synced = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile String generation;

  private PublisherMemory(Optional<Path> file, Optional<Shared> shared) {
    this.file = file;
    this.shared = shared;
    this.generation = digest();
  }

  /** A memory that lasts as long as the process. */
  public static PublisherMemory inMemory() {
    return new PublisherMemory(Optional.empty(), Optional.empty());
  }

  /** A memory kept in {@code file}, read now when it exists; lines it cannot read are skipped. */
  public static PublisherMemory open(Path file) {
    return open(file, Optional.empty());
  }

  /** A memory kept in {@code file} and, when given, in {@code shared} with other replicas. */
  public static PublisherMemory open(Path file, Optional<Shared> shared) {
    PublisherMemory m = new PublisherMemory(Optional.of(file), shared);
    if (Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] f = line.split("\t", -1);
          if ((f.length == 4 || f.length == 5) && Version.tryParse(f[1]).isPresent()) {
            m.projects.put(
                f[0],
                new Remembered(f[2], f[3], f[1], f.length == 5 ? millis(f[4]) : Optional.empty()));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      m.generation = m.digest();
    }
    return m;
  }

  /** What is remembered of {@code project} (PEP 503-normalized). */
  public Optional<Remembered> remembered(String project) {
    shared.ifPresent(s -> sync(s, project));
    synchronized (this) {
      return Optional.ofNullable(projects.get(project));
    }
  }

  /** Merges what other replicas kept of {@code project}, at most once per {@link #SYNC_NANOS}. */
  private void sync(Shared s, String project) {
    long now = System.nanoTime();
    Long last = synced.get(project);
    if (last != null && now - last < SYNC_NANOS) {
      return;
    }
    synced.put(project, now);
    boolean changed = false;
    for (Remembered r : s.all(project)) {
      changed |= merge(project, r);
    }
    if (changed) {
      save();
    }
  }

  /** Epoch milliseconds as written in the file, or empty. */
  public static Optional<java.time.Instant> millis(String s) {
    try {
      return Optional.of(java.time.Instant.ofEpochMilli(Long.parseLong(s.strip())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Keeps {@code r} when it is the first verified upload known of {@code project}. */
  private synchronized boolean merge(String project, Remembered r) {
    if (Version.tryParse(r.since()).isEmpty()) {
      return false;
    }
    Remembered known = projects.get(project);
    if (known != null && !known.supersededBy(r)) {
      return false;
    }
    projects.put(project, r);
    generation = digest();
    return true;
  }

  /** As {@link #record(String, String, Optional, CertificateIdentity)} without an upload time. */
  public void record(String project, String version, CertificateIdentity identity) {
    record(project, version, Optional.empty(), identity);
  }

  /**
   * Records that the file of {@code version} of {@code project} uploaded at {@code uploaded} is
   * verified as published by {@code identity}. The publisher of the first verified upload is the
   * one remembered (issue 13: in upload order, not version order, so an attacker's later upload of
   * a lower version never becomes the reference): a later, different one is what the rule reports,
   * not a new truth, whatever order the files are seen in.
   */
  public void record(
      String project,
      String version,
      Optional<java.time.Instant> uploaded,
      CertificateIdentity identity) {
    if (project.contains("\t") || project.contains("\n")) {
      return;
    }
    var r = new Remembered(key(identity), identity.display(), version, uploaded);
    if (merge(project, r)) {
      save();
      shared.ifPresent(s -> s.keep(project, r));
    }
  }

  /** Names the current content: changes whenever an answer could change. */
  public String generation() {
    return generation;
  }

  /**
   * The identity as compared: kind and the fields the certificate proves (not the environment),
   * repository names and emails without case.
   */
  public static String key(CertificateIdentity identity) {
    if (identity instanceof Publisher.GitHub g) {
      return "GitHub:" + g.repository().toLowerCase(Locale.ROOT) + ":" + g.workflow();
    }
    if (identity instanceof Publisher.GitLab g) {
      return "GitLab:" + g.repository().toLowerCase(Locale.ROOT) + ":" + g.workflowFilepath();
    }
    if (identity instanceof Publisher.Google g) {
      return "Google:" + g.email().toLowerCase(Locale.ROOT);
    }
    return "other:" + identity.display().replace('\t', ' ').replace('\n', ' ');
  }

  private String digest() {
    return Integer.toHexString(projects.hashCode());
  }

  private synchronized void save() {
    if (file.isEmpty()) {
      return;
    }
    var lines = new ArrayList<String>();
    projects.forEach(
        (p, r) ->
            lines.add(
                p
                    + "\t"
                    + r.since()
                    + "\t"
                    + r.key()
                    + "\t"
                    + r.display().replace('\t', ' ').replace('\n', ' ')
                    + r.uploaded().map(t -> "\t" + t.toEpochMilli()).orElse("")));
    Path target = file.get();
    var text = new StringBuilder();
    lines.forEach(l -> text.append(l).append(System.lineSeparator()));
    try {
      // Durable and atomic so a crash never leaves a half-written memory that forgets projects.
      DurableFile.write(target, text.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }
}
