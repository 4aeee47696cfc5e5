package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.version.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One OSV record (OSV schema 1.x) as it concerns PyPI: its ids, whether it is withdrawn or
 * malicious, its severity and the PyPI releases it affects. Entries for other ecosystems, and
 * ranges other than {@code ECOSYSTEM}, are dropped when it is read.
 *
 * @param id the record's id ({@code PYSEC-2024-38}, {@code GHSA-...}, {@code MAL-...})
 * @param aliases other ids of the same flaw ({@code aliases}); for a merged report, every id but
 *     {@code id}
 * @param withdrawn when the record was withdrawn; a withdrawn record affects nothing
 * @param summary the one-line summary, or empty
 * @param malicious whether it reports a malicious package rather than a vulnerability
 * @param severity the rating from its CVSS vectors or {@code database_specific.severity}; empty
 *     when it states none (policy then counts it as high)
 * @param affected the PyPI packages it affects
 * @param modified when it was last modified, when stated
 */
public record Advisory(
    String id,
    List<String> aliases,
    Optional<Instant> withdrawn,
    String summary,
    boolean malicious,
    Optional<Severity> severity,
    List<Affected> affected,
    Optional<Instant> modified) {

  public Advisory {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("advisory id: \"" + id + "\" (expected: an OSV id)");
    }
    aliases = List.copyOf(aliases);
    Objects.requireNonNull(withdrawn, "withdrawn");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(severity, "severity");
    affected = List.copyOf(affected);
    Objects.requireNonNull(modified, "modified");
  }

  /** Its id followed by its aliases. */
  public List<String> ids() {
    var out = new ArrayList<String>(aliases.size() + 1);
    out.add(id);
    out.addAll(aliases);
    return out;
  }

  /** Whether {@code someId} is its id or one of its aliases. */
  public boolean knownAs(String someId) {
    return id.equals(someId) || aliases.contains(someId);
  }

  /** The entries about {@code project} (a PEP 503-normalized name). */
  public List<Affected> about(String project) {
    return affected.stream().filter(a -> a.project().equals(project)).toList();
  }

  /** Whether it affects {@code version} of {@code project}; never when withdrawn. */
  public boolean affects(String project, Version version) {
    return withdrawn.isEmpty() && about(project).stream().anyMatch(a -> a.affects(version));
  }

  /** As {@link #affects(String, Version)}, for a version that may not be valid PEP 440. */
  public boolean affects(String project, String version) {
    return withdrawn.isEmpty() && about(project).stream().anyMatch(a -> a.affects(version));
  }

  /** Whether it affects every version of {@code project}, even ones not yet released. */
  public boolean affectsAllVersions(String project) {
    return withdrawn.isEmpty() && about(project).stream().anyMatch(Affected::allVersions);
  }

  /** The smallest {@code fixed} version of {@code project} above {@code version}, if any. */
  public Optional<String> nearestFixed(String project, Version version) {
    return about(project).stream()
        .map(a -> a.nearestFixedVersion(version))
        .flatMap(Optional::stream)
        .min(Comparator.naturalOrder())
        .map(Version::toString);
  }

  /**
   * One {@code affected[]} entry for a PyPI package.
   *
   * @param project the package name, PEP 503-normalized
   * @param ranges its {@code ECOSYSTEM} ranges
   * @param versions its {@code versions} list, the PEP 440 ones, sorted
   * @param otherVersions its {@code versions} list entries that are not PEP 440, sorted
   */
  public record Affected(
      String project, List<Range> ranges, List<Version> versions, List<String> otherVersions) {
    public Affected {
      Objects.requireNonNull(project, "project");
      ranges = List.copyOf(ranges);
      var sorted = new ArrayList<>(versions);
      Collections.sort(sorted);
      versions = List.copyOf(sorted);
      otherVersions = otherVersions.stream().sorted().toList();
    }

    /**
     * Whether {@code v} is in its {@code versions} list (by PEP 440 equality) or in one of its
     * ranges (OSV schema §Evaluation: a version is affected if either says so).
     */
    public boolean affects(Version v) {
      if (Collections.binarySearch(versions, v) >= 0
          || ranges.stream().anyMatch(r -> r.includes(v))) {
        return true;
      }
      // PEP 440 §Local version identifiers: 1.0.1+anything is a build of 1.0.1, so an advisory
      // about 1.0.1 covers it (issue 13).
      return v.local().isPresent() && affects(v.publicVersion());
    }

    /** As {@link #affects(Version)}; a version that is not PEP 440 can only be listed verbatim. */
    public boolean affects(String version) {
      Optional<Version> v = Version.tryParse(version);
      if (v.isPresent() && affects(v.get())) {
        return true;
      }
      return Collections.binarySearch(otherVersions, version) >= 0;
    }

    /** The smallest {@code fixed} event above {@code v}, over all its ranges. */
    public Optional<String> nearestFixed(Version v) {
      return nearestFixedVersion(v).map(Version::toString);
    }

    Optional<Version> nearestFixedVersion(Version v) {
      return ranges.stream()
          .flatMap(r -> r.events().stream())
          .filter(e -> e.kind() == Kind.FIXED && e.version().isPresent())
          .map(e -> e.version().get())
          .filter(f -> f.compareTo(v) > 0)
          .min(Comparator.naturalOrder());
    }

    /** Whether a range starts at "0" and has no end: every version, released or not. */
    public boolean allVersions() {
      return ranges.stream().anyMatch(Range::unbounded);
    }
  }

  /** The kind of an OSV range event. */
  public enum Kind {
    INTRODUCED,
    FIXED,
    LAST_AFFECTED,
    LIMIT
  }

  /**
   * One event of an {@code ECOSYSTEM} range.
   *
   * @param kind what it marks
   * @param version the version; empty only for {@code introduced: "0"}, before every version
   */
  public record Event(Kind kind, Optional<Version> version) {
    public Event {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(version, "version");
      if (version.isEmpty() && kind != Kind.INTRODUCED) {
        throw new IllegalArgumentException("only introduced may be \"0\" (before every version)");
      }
    }
  }

  /**
   * An {@code ECOSYSTEM} range, its events in PEP 440 order.
   *
   * @param events {@code introduced}, {@code fixed}, {@code last_affected} and {@code limit}
   */
  public record Range(List<Event> events) {
    /** At one version, an introduction comes first, so that a fix at the same version ends it. */
    private static final Comparator<Event> ORDER =
        Comparator.<Event, Version>comparing(
                e -> e.version().orElse(null), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Event::kind);

    public Range {
      var sorted = new ArrayList<>(events);
      sorted.sort(ORDER);
      events = List.copyOf(sorted);
    }

    /**
     * Whether {@code v} is in the range, by the OSV schema's evaluation (§affected[].ranges[].
     * events): below every {@code limit}, and the closest event at or below it is an introduction,
     * or a {@code last_affected} equal to it.
     */
    public boolean includes(Version v) {
      boolean limited = false;
      boolean belowALimit = false;
      boolean affected = false;
      for (Event e : events) {
        if (e.kind() == Kind.LIMIT) {
          limited = true;
          belowALimit |= v.compareTo(e.version().get()) < 0;
          continue;
        }
        if (e.version().isEmpty()) {
          affected = true;
          continue;
        }
        int c = v.compareTo(e.version().get());
        if (c < 0) {
          continue;
        }
        switch (e.kind()) {
          case INTRODUCED:
            affected = true;
            break;
          case FIXED:
            affected = false;
            break;
          case LAST_AFFECTED:
            // last_affected is inclusive: only versions above it leave the range.
            if (c > 0) {
              affected = false;
            }
            break;
          default:
            break;
        }
      }
      return affected && (!limited || belowALimit);
    }

    /** Whether it is only {@code introduced: "0"}: nothing ends it. */
    boolean unbounded() {
      return events.stream().anyMatch(e -> e.version().isEmpty())
          && events.stream().allMatch(e -> e.kind() == Kind.INTRODUCED);
    }
  }
}
