package dev.pypiguard.policy.attestation;

import dev.pypiguard.core.version.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
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
   * @param since the earliest release it verified
   */
  public record Remembered(String key, String display, String since) {
    public Remembered {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(display, "display");
      Objects.requireNonNull(since, "since");
    }
  }

  private final Optional<Path> file;
  private final Map<String, Remembered> projects = new TreeMap<>();
  private volatile String generation;

  private PublisherMemory(Optional<Path> file) {
    this.file = file;
    this.generation = digest();
  }

  /** A memory that lasts as long as the process. */
  public static PublisherMemory inMemory() {
    return new PublisherMemory(Optional.empty());
  }

  /** A memory kept in {@code file}, read now when it exists; lines it cannot read are skipped. */
  public static PublisherMemory open(Path file) {
    PublisherMemory m = new PublisherMemory(Optional.of(file));
    if (Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] f = line.split("\t", -1);
          if (f.length == 4 && Version.tryParse(f[1]).isPresent()) {
            m.projects.put(f[0], new Remembered(f[2], f[3], f[1]));
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
  public synchronized Optional<Remembered> remembered(String project) {
    return Optional.ofNullable(projects.get(project));
  }

  /**
   * Records that {@code version} of {@code project} is verified as published by {@code identity}.
   * The publisher of the earliest verified release is the one remembered: a later, different one
   * is what the rule reports, not a new truth, whatever order the releases are seen in.
   */
  public synchronized void record(String project, String version, CertificateIdentity identity) {
    Optional<Version> v = Version.tryParse(version);
    if (v.isEmpty() || project.contains("\t") || project.contains("\n")) {
      return;
    }
    String key = key(identity);
    Remembered r = projects.get(project);
    if (r == null) {
      projects.put(project, new Remembered(key, identity.display(), version));
    } else if (v.get().compareTo(Version.parse(r.since())) < 0) {
      projects.put(project, new Remembered(key, identity.display(), version));
    } else {
      return;
    }
    generation = digest();
    save();
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

  private void save() {
    if (file.isEmpty()) {
      return;
    }
    var lines = new ArrayList<String>();
    projects.forEach(
        (p, r) ->
            lines.add(
                p + "\t" + r.since() + "\t" + r.key() + "\t" + r.display().replace('\t', ' ').replace('\n', ' ')));
    Path target = file.get();
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      // Atomic so a crash never leaves a half-written memory that forgets projects.
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }
}
