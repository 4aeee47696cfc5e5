package dev.pypiguard.core.requirement;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.InvalidSpecifierException;
import dev.pypiguard.core.version.SpecifierSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEP 508 dependency specifier: a project, the extras asked of it, a PEP 440 version specifier
 * set and an environment marker, plus the {@code --hash} values a requirements file pinned it to.
 *
 * @param name the project, normalized
 * @param extras the requested extras, normalized (PEP 685)
 * @param specifier the versions accepted; empty matches all
 * @param marker when it applies; empty means always
 * @param hashes sha256 digests (lower-case hex) the chosen file must have; empty means any
 * @param origin where it was written, for messages ({@code requirements.txt:3}, {@code alpha 1.0})
 */
public record Requirement(
    ProjectName name,
    Set<String> extras,
    SpecifierSet specifier,
    Optional<Marker> marker,
    Set<String> hashes,
    String origin) {
  private static final Pattern HEAD =
      Pattern.compile(
          "\\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\\s*(?:\\[([^\\]]*)\\])?\\s*(.*)",
          Pattern.DOTALL);

  public Requirement {
    extras = Set.copyOf(extras);
    hashes = Set.copyOf(hashes);
  }

  public Requirement withHashes(Set<String> newHashes) {
    return new Requirement(name, extras, specifier, marker, newHashes, origin);
  }

  /**
   * Parses one PEP 508 specifier, as in {@code Requires-Dist} ({@code beta (>=1.0) ; extra == "x"})
   * or a requirements file line without options.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Requirement parse(String text, String origin) {
    int semi = text.indexOf(';');
    String head = semi < 0 ? text : text.substring(0, semi);
    Optional<Marker> marker = Optional.empty();
    if (semi >= 0 && !text.substring(semi + 1).isBlank()) {
      marker = Optional.of(Marker.parse(text.substring(semi + 1).trim()));
    }
    Matcher m = HEAD.matcher(head);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a requirement: \"" + text.trim() + "\"");
    }
    Optional<ProjectName> name = ProjectName.parse(m.group(1));
    if (name.isEmpty()) {
      throw new IllegalArgumentException("not a project name: \"" + m.group(1) + "\"");
    }
    Set<String> extras = new LinkedHashSet<>();
    if (m.group(2) != null) {
      for (String e : m.group(2).split(",")) {
        if (!e.isBlank()) {
          extras.add(Marker.normalizeExtra(e));
        }
      }
    }
    String spec = m.group(3).trim();
    if (spec.startsWith("@")) {
      throw new IllegalArgumentException(
          "direct URL requirements cannot be seeded from an index: \"" + text.trim() + "\"");
    }
    // Requires-Dist may parenthesize the specifier (PEP 345 style).
    if (spec.startsWith("(") && spec.endsWith(")")) {
      spec = spec.substring(1, spec.length() - 1).trim();
    }
    SpecifierSet set;
    try {
      set = SpecifierSet.parse(spec);
    } catch (InvalidSpecifierException e) {
      throw new IllegalArgumentException(
          "invalid version specifier \"" + spec + "\": " + e.getMessage());
    }
    return new Requirement(name.get(), extras, set, marker, Set.of(), origin);
  }

  @Override
  public String toString() {
    String ex = extras.isEmpty() ? "" : "[" + String.join(",", extras) + "]";
    return name.value() + ex + specifier;
  }
}
