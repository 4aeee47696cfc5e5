package dev.pypiguard.core.project;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A project name normalized as PEP 503 prescribes: lower case, with every run of {@code -}, {@code
 * _} and {@code .} collapsed to a single {@code -}.
 *
 * <p>Construction rejects names that are not valid project names (PEP 508 §Names): ASCII letters,
 * digits, {@code -}, {@code _} and {@code .}, starting and ending with a letter or digit.
 */
public record ProjectName(String value) implements Comparable<ProjectName> {
  private static final Pattern VALID =
      Pattern.compile("^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$");
  private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

  public ProjectName {
    if (value == null || value.length() > 200 || !VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "project name: \"" + value + "\" (expected: letters, digits, '-', '_' and '.')");
    }
    value = normalize(value);
  }

  /** Parses a name, or returns empty when it is not a valid project name. */
  public static java.util.Optional<ProjectName> parse(String raw) {
    if (raw == null || raw.length() > 200 || !VALID.matcher(raw).matches()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ProjectName(raw));
  }

  /** Whether {@code raw} is already in normalized form. */
  public static boolean isNormalized(String raw) {
    return raw != null && VALID.matcher(raw).matches() && normalize(raw).equals(raw);
  }

  /** PEP 503 normalization of a valid name. */
  public static String normalize(String raw) {
    return SEPARATORS.matcher(raw).replaceAll("-").toLowerCase(Locale.ROOT);
  }

  @Override
  public int compareTo(ProjectName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
