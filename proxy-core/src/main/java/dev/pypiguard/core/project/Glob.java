package dev.pypiguard.core.project;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A project-name glob such as {@code evil-*}, {@code requests?} or {@code [a-c]*-utils}, matched
 * against PEP 503-normalized names.
 *
 * <p>{@code *} matches any run of characters, {@code ?} one character, {@code [...]} one of a set
 * (ranges like {@code a-z}, {@code [!...]} negates). The glob itself is normalized as a name is, so
 * {@code Foo_*} matches {@code foo-bar}. It is compiled once, when the policy is loaded.
 */
public final class Glob {
  /** What a bad glob's message says was expected. */
  public static final String EXPECTED =
      "a project-name glob of letters, digits, '-', '_', '.' and the wildcards *, ? and [...]";

  private final String text;
  private final Pattern pattern;
  private final boolean literal;

  private Glob(String text, Pattern pattern, boolean literal) {
    this.text = text;
    this.pattern = pattern;
    this.literal = literal;
  }

  /**
   * Compiles a glob.
   *
   * @throws IllegalArgumentException naming the glob and what was expected, when it is not one
   */
  public static Glob parse(String raw) {
    Objects.requireNonNull(raw, "raw");
    StringBuilder norm = new StringBuilder();
    StringBuilder regex = new StringBuilder();
    boolean literal = true;
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (isAlnum(c)) {
        char l = Character.toLowerCase(c);
        norm.append(l);
        regex.append(l);
        i++;
      } else if (c == '-' || c == '_' || c == '.') {
        // A run of separators is one '-' in a normalized name, so it is one in the glob too.
        if (norm.length() == 0 || norm.charAt(norm.length() - 1) != '-') {
          norm.append('-');
          regex.append("\\-");
        }
        i++;
      } else if (c == '*') {
        norm.append('*');
        regex.append(".*");
        literal = false;
        i++;
      } else if (c == '?') {
        norm.append('?');
        regex.append('.');
        literal = false;
        i++;
      } else if (c == '[') {
        int end = raw.indexOf(']', i + 1);
        if (end < 0) {
          throw bad(raw, "an unclosed [");
        }
        klass(raw, raw.substring(i + 1, end), norm, regex);
        literal = false;
        i = end + 1;
      } else {
        throw bad(raw, "the character '" + c + "'");
      }
    }
    if (norm.length() == 0) {
      throw bad(raw, "nothing to match");
    }
    return new Glob(norm.toString(), Pattern.compile(regex.toString()), literal);
  }

  private static void klass(String raw, String body, StringBuilder norm, StringBuilder regex) {
    boolean negate = body.startsWith("!");
    String items = negate ? body.substring(1) : body;
    if (items.isEmpty()) {
      throw bad(raw, "an empty [...]");
    }
    norm.append('[').append(negate ? "!" : "");
    regex.append('[').append(negate ? "^" : "");
    int j = 0;
    while (j < items.length()) {
      char c = items.charAt(j);
      boolean range =
          isAlnum(c)
              && j + 2 < items.length()
              && items.charAt(j + 1) == '-'
              && isAlnum(items.charAt(j + 2));
      if (range) {
        char lo = Character.toLowerCase(c);
        char hi = Character.toLowerCase(items.charAt(j + 2));
        if (lo > hi) {
          throw bad(raw, "the reversed range " + c + "-" + items.charAt(j + 2));
        }
        norm.append(lo).append('-').append(hi);
        regex.append(lo).append('-').append(hi);
        j += 3;
      } else if (isAlnum(c)) {
        char l = Character.toLowerCase(c);
        norm.append(l);
        regex.append(l);
        j++;
      } else if (c == '-' || c == '_' || c == '.') {
        norm.append('_');
        regex.append("\\-");
        j++;
      } else {
        throw bad(raw, "the character '" + c + "' in [...]");
      }
    }
    norm.append(']');
    regex.append(']');
  }

  private static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static IllegalArgumentException bad(String raw, String what) {
    return new IllegalArgumentException(
        "\"" + raw + "\" has " + what + " (expected: " + EXPECTED + ")");
  }

  /** Whether a PEP 503-normalized name matches. */
  public boolean matches(String normalizedName) {
    return literal ? text.equals(normalizedName) : pattern.matcher(normalizedName).matches();
  }

  /** Whether a project's name matches. */
  public boolean matches(ProjectName name) {
    return matches(name.value());
  }

  /** The normalized glob; a separator inside {@code [...]} is written {@code _}. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Glob g && g.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
