package dev.pypiguard.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GlobTest {

  @Test
  void matches_normalizedGlob_matchesNormalizedName() {
    assertThat(Glob.parse("Foo_*").matches("foo-bar")).isTrue();
    assertThat(Glob.parse("Foo_*").toString()).isEqualTo("foo-*");
    assertThat(Glob.parse("foo..__bar").matches("foo-bar")).isTrue();
  }

  @Test
  void matches_wildcards_asFnmatch() {
    assertThat(Glob.parse("evil-*").matches("evil-")).isTrue();
    assertThat(Glob.parse("evil-*").matches("evil")).isFalse();
    assertThat(Glob.parse("request?").matches("requestz")).isTrue();
    assertThat(Glob.parse("request?").matches("requests2")).isFalse();
    assertThat(Glob.parse("[a-c]*").matches("beta")).isTrue();
    assertThat(Glob.parse("[a-c]*").matches("delta")).isFalse();
    assertThat(Glob.parse("[!a-c]*").matches("delta")).isTrue();
    assertThat(Glob.parse("x[_.]y").matches("x-y")).isTrue();
    assertThat(Glob.parse("*").matches("anything-at-all")).isTrue();
  }

  @Test
  void matches_literal_exactOnly() {
    assertThat(Glob.parse("Requests").matches("requests")).isTrue();
    assertThat(Glob.parse("requests").matches("requests2")).isFalse();
  }

  @Test
  void parse_badGlobs_refusedWithReason() {
    assertThatThrownBy(() -> Glob.parse("a/b"))
        .hasMessageContaining("\"a/b\" has the character '/'");
    assertThatThrownBy(() -> Glob.parse("a[bc")).hasMessageContaining("an unclosed [");
    assertThatThrownBy(() -> Glob.parse("a[]")).hasMessageContaining("an empty [...]");
    assertThatThrownBy(() -> Glob.parse("[z-a]")).hasMessageContaining("reversed range");
    assertThatThrownBy(() -> Glob.parse("")).hasMessageContaining("nothing to match");
    assertThatThrownBy(() -> Glob.parse("a.*("))
        .hasMessageContaining("(expected: a project-name glob");
  }

  @Test
  void equals_sameNormalizedText_equal() {
    assertThat(Glob.parse("Foo_*"))
        .isEqualTo(Glob.parse("foo-*"))
        .hasSameHashCodeAs(Glob.parse("foo.*"));
  }

  /** Issue 14: a crafted glob against a long name finishes (a backtracking regex would not). */
  @Test
  @org.junit.jupiter.api.Timeout(10)
  void matches_craftedGlobAndLongName_noBacktrackingBlowUp() {
    Glob g = Glob.parse("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    assertThat(g.matches("a".repeat(100_000))).isFalse();
    assertThat(g.matches("a".repeat(100_000) + "b")).isTrue();
  }

  /** The wildcard algorithm answers as fnmatch (here: as the equivalent regular expression). */
  @Test
  void matches_randomGlobs_agreeWithRegularExpressions() {
    var rnd = new java.util.Random(14);
    String[] parts = {"a", "b", "-", "*", "?", "[ab]", "[!a]", "[a-b]"};
    for (int i = 0; i < 5_000; i++) {
      var glob = new StringBuilder();
      var regex = new StringBuilder();
      for (int k = 1 + rnd.nextInt(5); k > 0; k--) {
        String p = parts[rnd.nextInt(parts.length)];
        glob.append(p);
        regex.append(
            switch (p) {
              case "*" -> ".*";
              case "?" -> ".";
              case "-" -> "\\-";
              case "[!a]" -> "[^a]";
              default -> p;
            });
      }
      if (glob.toString().replace("-", "").isEmpty() || glob.toString().startsWith("-")) {
        continue;
      }
      var name = new StringBuilder();
      for (int k = rnd.nextInt(7); k > 0; k--) {
        name.append("ab-".charAt(rnd.nextInt(3)));
      }
      Glob g;
      try {
        g = Glob.parse(glob.toString());
      } catch (IllegalArgumentException e) {
        continue;
      }
      // Separators in a glob collapse as in a name; compare only globs that normalization keeps.
      if (!g.toString().equals(glob.toString().replace("[!a]", "[!a]"))) {
        continue;
      }
      assertThat(g.matches(name.toString()))
          .as("%s against %s", glob, name)
          .isEqualTo(name.toString().matches(regex.toString()));
    }
  }
}
