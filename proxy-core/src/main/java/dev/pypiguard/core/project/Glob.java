package dev.pypiguard.core.project;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A project-name glob such as {@code evil-*}, {@code requests?} or {@code [a-c]*-utils}, matched
 * against PEP 503-normalized names.
 *
 * <p>{@code *} matches any run of characters, {@code ?} one character, {@code [...]} one of a set
 * (ranges like {@code a-z}, {@code [!...]} negates). The glob itself is normalized as a name is, so
 * {@code Foo_*} matches {@code foo-bar}. It is compiled once, when the policy is loaded.
 *
 * <p>Matching never backtracks more than to the last {@code *} seen (the classic wildcard
 * algorithm), so it takes at most (name length) x (glob length) steps: no crafted glob or long name
 * can make it exponential, as a backtracking regular expression like {@code .*a.*a.*b} can.
 */
public final class Glob {
  /** What a bad glob's message says was expected. */
  public static final String EXPECTED =
      "a project-name glob of letters, digits, '-', '_', '.' and the wildcards *, ? and [...]";

  private final String text;

  /** One element per character matched; {@code null} stands for {@code *}. */
  private final CharSet[] tokens;

  private final boolean literal;

  /** The characters one glob element matches: a literal, {@code ?}, or {@code [...]}. */
  private record CharSet(boolean negate, String singles, String ranges) {
    boolean matches(char c) {
      boolean in = singles.indexOf(c) >= 0;
      for (int i = 0; !in && i + 1 < ranges.length(); i += 2) {
        in = c >= ranges.charAt(i) && c <= ranges.charAt(i + 1);
      }
      return in != negate;
    }

    static final CharSet ANY = new CharSet(true, "", "");
  }

  private Glob(String text, List<CharSet> tokens, boolean literal) {
    this.text = text;
    this.tokens = tokens.toArray(new CharSet[0]);
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
    List<CharSet> tokens = new ArrayList<>();
    boolean literal = true;
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (isAlnum(c)) {
        char l = Character.toLowerCase(c);
        norm.append(l);
        tokens.add(new CharSet(false, String.valueOf(l), ""));
        i++;
      } else if (c == '-' || c == '_' || c == '.') {
        // A run of separators is one '-' in a normalized name, so it is one in the glob too.
        if (norm.length() == 0 || norm.charAt(norm.length() - 1) != '-') {
          norm.append('-');
          tokens.add(new CharSet(false, "-", ""));
        }
        i++;
      } else if (c == '*') {
        // Two stars in a row match what one does.
        if (norm.length() == 0 || norm.charAt(norm.length() - 1) != '*') {
          tokens.add(null);
        }
        norm.append('*');
        literal = false;
        i++;
      } else if (c == '?') {
        norm.append('?');
        tokens.add(CharSet.ANY);
        literal = false;
        i++;
      } else if (c == '[') {
        int end = raw.indexOf(']', i + 1);
        if (end < 0) {
          throw bad(raw, "an unclosed [");
        }
        klass(raw, raw.substring(i + 1, end), norm, tokens);
        literal = false;
        i = end + 1;
      } else {
        throw bad(raw, "the character '" + c + "'");
      }
    }
    if (norm.length() == 0) {
      throw bad(raw, "nothing to match");
    }
    return new Glob(norm.toString(), tokens, literal);
  }

  private static void klass(String raw, String body, StringBuilder norm, List<CharSet> tokens) {
    boolean negate = body.startsWith("!");
    String items = negate ? body.substring(1) : body;
    if (items.isEmpty()) {
      throw bad(raw, "an empty [...]");
    }
    norm.append('[').append(negate ? "!" : "");
    StringBuilder singles = new StringBuilder();
    StringBuilder ranges = new StringBuilder();
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
        ranges.append(lo).append(hi);
        j += 3;
      } else if (isAlnum(c)) {
        char l = Character.toLowerCase(c);
        norm.append(l);
        singles.append(l);
        j++;
      } else if (c == '-' || c == '_' || c == '.') {
        norm.append('_');
        singles.append('-');
        j++;
      } else {
        throw bad(raw, "the character '" + c + "' in [...]");
      }
    }
    norm.append(']');
    tokens.add(new CharSet(negate, singles.toString(), ranges.toString()));
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
    return literal ? text.equals(normalizedName) : wildcard(normalizedName);
  }

  /** The wildcard match: on a mismatch, retry only from the last star, one character later. */
  private boolean wildcard(String name) {
    int p = 0;
    int n = 0;
    int starP = -1;
    int starN = -1;
    while (n < name.length()) {
      if (p < tokens.length && tokens[p] != null && tokens[p].matches(name.charAt(n))) {
        p++;
        n++;
      } else if (p < tokens.length && tokens[p] == null) {
        starP = p++;
        starN = n;
      } else if (starP >= 0) {
        p = starP + 1;
        n = ++starN;
      } else {
        return false;
      }
    }
    while (p < tokens.length && tokens[p] == null) {
      p++;
    }
    return p == tokens.length;
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
