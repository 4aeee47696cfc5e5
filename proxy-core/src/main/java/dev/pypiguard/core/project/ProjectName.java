package dev.pypiguard.core.project;

import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A project name normalized as PEP 503 prescribes: lower case, with every run of {@code -}, {@code
 * _} and {@code .} collapsed to a single {@code -}.
 *
 * <p>Construction rejects names that are not valid project names (PEP 508 §Names): ASCII letters,
 * digits, {@code -}, {@code _} and {@code .}, starting and ending with a letter or digit.
 */
public record ProjectName(String value) implements Comparable<ProjectName> {
  public ProjectName {
    if (!valid(value)) {
      throw new IllegalArgumentException(
          "project name: \"" + value + "\" (expected: letters, digits, '-', '_' and '.')");
    }
    value = normalize(value);
  }

  /** Parses a name, or returns empty when it is not a valid project name. */
  public static java.util.Optional<ProjectName> parse(String raw) {
    return valid(raw) ? java.util.Optional.of(new ProjectName(raw)) : java.util.Optional.empty();
  }

  /** Whether {@code raw} is already in normalized form. */
  public static boolean isNormalized(String raw) {
    return valid(raw) && normalize(raw).equals(raw);
  }

  /**
   * {@code ^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$}, at most 200 characters, by hand:
   * every request that names a project passes here (README "Speed").
   */
  private static boolean valid(@Nullable String s) {
    if (s == null || s.isEmpty() || s.length() > 200) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!alnum(c) && (i == 0 || i == s.length() - 1 || !separator(c))) {
        return false;
      }
    }
    return true;
  }

  private static boolean alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean separator(char c) {
    return c == '-' || c == '_' || c == '.';
  }

  private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

  /**
   * PEP 503 normalization: lower case, each run of {@code -_.} one {@code -}. A name that is
   * already normalized (lower-case ASCII letters, digits, single {@code -}) is returned as it is.
   */
  public static String normalize(String raw) {
    boolean plain = true;
    for (int i = 0; i < raw.length() && plain; i++) {
      char c = raw.charAt(i);
      plain =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || (c == '-' && (i == 0 || raw.charAt(i - 1) != '-'));
    }
    return plain ? raw : SEPARATORS.matcher(raw).replaceAll("-").toLowerCase(Locale.ROOT);
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
