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
    assertThatThrownBy(() -> Glob.parse("a/b")).hasMessageContaining("\"a/b\" has the character '/'");
    assertThatThrownBy(() -> Glob.parse("a[bc")).hasMessageContaining("an unclosed [");
    assertThatThrownBy(() -> Glob.parse("a[]")).hasMessageContaining("an empty [...]");
    assertThatThrownBy(() -> Glob.parse("[z-a]")).hasMessageContaining("reversed range");
    assertThatThrownBy(() -> Glob.parse("")).hasMessageContaining("nothing to match");
    assertThatThrownBy(() -> Glob.parse("a.*(")).hasMessageContaining("(expected: a project-name glob");
  }

  @Test
  void equals_sameNormalizedText_equal() {
    assertThat(Glob.parse("Foo_*")).isEqualTo(Glob.parse("foo-*")).hasSameHashCodeAs(Glob.parse("foo.*"));
  }
}
