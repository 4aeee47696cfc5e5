package dev.pypiguard.core.version;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A comma-separated set of PEP 440 version specifiers, such as {@code >=1.0,!=1.3.*,<2}, satisfied
 * when every clause is.
 *
 * <p>Pre-releases are always allowed, as packaging's {@code SpecifierSet.contains(v,
 * prereleases=True)}; only each clause's exclusive-comparison rules can reject them. An empty set
 * matches every version.
 */
public final class SpecifierSet {
  private static final SpecifierSet ANY = new SpecifierSet(List.of());

  private final List<Specifier> specifiers;

  private SpecifierSet(List<Specifier> specifiers) {
    this.specifiers = List.copyOf(specifiers);
  }

  /**
   * Parses a comma-separated list of clauses; whitespace and empty items are ignored, so that
   * {@code ""} is the set matching everything (as packaging does).
   *
   * @throws InvalidSpecifierException if a clause is not a valid specifier
   */
  public static SpecifierSet parse(String text) {
    Objects.requireNonNull(text, "text");
    Set<Specifier> clauses = new LinkedHashSet<>();
    for (String item : text.split(",", -1)) {
      if (!item.isBlank()) {
        clauses.add(Specifier.parse(item));
      }
    }
    return clauses.isEmpty() ? ANY : new SpecifierSet(new ArrayList<>(clauses));
  }

  /** The distinct clauses, in the order first written. */
  public List<Specifier> specifiers() {
    return specifiers;
  }

  /** Whether {@code v} satisfies every clause, with pre-releases allowed. */
  public boolean contains(Version v) {
    Objects.requireNonNull(v, "v");
    for (Specifier s : specifiers) {
      if (!s.contains(v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the version string {@code version} satisfies every clause.
   *
   * <p>A valid version is checked as {@link #contains(Version)}, except that a {@code ===} clause
   * also accepts the string exactly as written (§Arbitrary equality is string equality), so {@code
   * ===V1.0} accepts {@code "V1.0"}. A string that is not a PEP 440 version can only satisfy {@code
   * ===}: it matches when the set has at least one clause and every clause is a {@code ===} equal
   * to it, ignoring case.
   */
  public boolean contains(String version) {
    Objects.requireNonNull(version, "version");
    Optional<Version> parsed = Version.tryParse(version);
    if (parsed.isEmpty() && specifiers.isEmpty()) {
      return false;
    }
    for (Specifier s : specifiers) {
      boolean ok = s.matchesArbitrary(version) || (parsed.isPresent() && s.contains(parsed.get()));
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code o} holds the same clauses, in any order. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SpecifierSet s && Set.copyOf(specifiers).equals(Set.copyOf(s.specifiers));
  }

  @Override
  public int hashCode() {
    return Set.copyOf(specifiers).hashCode();
  }

  /** The normalized clauses, sorted and joined with commas, as packaging's {@code str()}. */
  @Override
  public String toString() {
    return String.join(",", specifiers.stream().map(Specifier::toString).sorted().toList());
  }
}
