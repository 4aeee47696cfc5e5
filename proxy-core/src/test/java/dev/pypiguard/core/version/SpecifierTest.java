package dev.pypiguard.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecifierTest {

  /**
   * Specifier, candidate version, whether it matches with pre-releases allowed; from PEP 440
   * §Version specifiers and packaging's {@code Specifier.contains(v, prereleases=True)}.
   *
   * <p>packaging applies the exclusive rules by base version, so {@code >1.0rc1} also rejects
   * {@code 1.0.post1} and {@code <1.0.post1} rejects {@code 1.0a1}; those rows pin that behaviour.
   */
  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ==1.0            |1.0             |true
          ==1.0            |1.0.0           |true
          ==1.0.0          |1               |true
          ==1.0            |1.0+local       |true
          ==1.0            |1.0+ubuntu.1    |true
          ==1.0            |1.0.post1       |false
          ==1.0            |1.0a1           |false
          ==1.0            |1.0.dev1        |false
          ==1.0            |1!1.0           |false
          ==1.0            |1.1             |false
          ==1.0+abc        |1.0+abc         |true
          ==1.0+abc        |1.0+ABC         |true
          ==1.0+abc        |1.0             |false
          ==1.0+abc        |1.0+abd         |false
          ==1.0+abc.1      |1.0.0+abc.01    |true
          ==1.0a1          |1.0a1           |true
          ==1.0rc1         |1.0c1           |true
          ==1.0.*          |1.0             |true
          ==1.0.*          |1.0.0           |true
          ==1.0.*          |1.0.5           |true
          ==1.0.*          |1.0a1           |true
          ==1.0.*          |1.0.dev1        |true
          ==1.0.*          |1.0.post1       |true
          ==1.0.*          |1.0+local       |true
          ==1.0.*          |1.1             |false
          ==1.0.*          |1.01            |false
          ==1.0.*          |1!1.0           |false
          ==1.*            |1               |true
          ==1.*            |1.9.9           |true
          ==1.*            |2.0             |false
          ==1.1.*          |1.10            |false
          ==1.0.0.*        |1.0             |true
          ==1.0.0.*        |1.0.1           |false
          ==1!1.*          |1!1.5           |true
          ==1!1.*          |1.5             |false
          !=1.0            |1.0             |false
          !=1.0            |1.0.0           |false
          !=1.0            |1.0+local       |false
          !=1.0            |1.0.post1       |true
          !=1.0            |1.1             |true
          !=1.0+abc        |1.0             |true
          !=1.0+abc        |1.0+abc         |false
          !=1.0.*          |1.0.5           |false
          !=1.0.*          |1.0a1           |false
          !=1.0.*          |1.1             |true
          <=1.0            |1.0             |true
          <=1.0            |1.0+local       |true
          <=1.0            |0.9             |true
          <=1.0            |1.0rc1          |true
          <=1.0            |1.0.dev0        |true
          <=1.0            |1.0.post1       |false
          <=1.0            |1.1             |false
          >=1.0            |1.0             |true
          >=1.0            |1.0+local       |true
          >=1.0            |1.0.post1       |true
          >=1.0            |2.0a1           |true
          >=1.0            |1.0rc1          |false
          >=1.0            |0.9             |false
          >=1.0rc1         |1.0rc1          |true
          >=1.0rc1         |1.0b9           |false
          <1.0             |0.9             |true
          <1.0             |0.9+local       |true
          <1.0             |0.9.post1       |true
          <1.0             |1.0             |false
          <1.0             |1.0+local       |false
          <1.0             |1.0rc1          |false
          <1.0             |1.0.dev1        |false
          <1.0             |1.0a1           |false
          <1.0             |0.9rc1          |true
          <1.0             |1.0.0a1         |false
          <2.31            |2.30.1rc1       |true
          <2.31            |2.31.0rc1       |false
          <2.31            |2.31.0.dev1     |false
          <2.31            |2.30.99         |true
          <1.0rc2          |1.0rc1          |true
          <1.0rc2          |1.0.dev1        |true
          <1.0rc2          |1.0rc2          |false
          <1.0.post1       |1.0             |true
          <1.0.post1       |1.0a1           |false
          >1.0             |1.1             |true
          >1.0             |1.0.1           |true
          >1.0             |1.1a1           |true
          >1.0             |1.0             |false
          >1.0             |1.0.post1       |false
          >1.0             |1.0.0.post1     |false
          >1.0             |1.0+local       |false
          >1.0             |1.0.post1+local |false
          >1.0             |1.0.1+local     |true
          >1.0             |0.9             |false
          >1.0.post0       |1.0.post1       |true
          >1.0.post0       |1.0.post0       |false
          >1.0.post0       |1.0.post1+local |false
          >1.0rc1          |1.0             |true
          >1.0rc1          |1.0rc2          |true
          >1.0rc1          |1.0rc1.post1    |false
          >1.0rc1          |1.0.post1       |false
          >1.0rc1.post1    |1.0rc1.post2    |true
          >1.0.dev1        |1.0a1           |true
          >1.0a1           |1.0a1.post1     |false
          >1.0a1           |1.0a2           |true
          ~=2.2            |2.2             |true
          ~=2.2            |2.3             |true
          ~=2.2            |2.9.9           |true
          ~=2.2            |2.2.post1       |true
          ~=2.2            |2.5a1           |true
          ~=2.2            |3.0             |false
          ~=2.2            |2.1             |false
          ~=2.2            |2.2rc1          |false
          ~=2.2            |3.0.dev0        |false
          ~=1.4.5          |1.4.5           |true
          ~=1.4.5          |1.4.9           |true
          ~=1.4.5          |1.4.5+local     |true
          ~=1.4.5          |1.5             |false
          ~=1.4.5          |1.4.4           |false
          ~=1.4.5a4        |1.4.5a4         |true
          ~=1.4.5a4        |1.4.5           |true
          ~=1.4.5a4        |1.4.6           |true
          ~=1.4.5a4        |1.4.5a3         |false
          ~=1.4.5a4        |1.5             |false
          ~=2.2.post3      |2.2.post3       |true
          ~=2.2.post3      |2.3             |true
          ~=2.2.post3      |2.2.post2       |false
          ~=2.2.post3      |3.0             |false
          ~=1.4.5.0        |1.4.5.9         |true
          ~=1.4.5.0        |1.4.6           |false
          ~=1!2.2          |1!2.5           |true
          ~=1!2.2          |2.5             |false
          ~=2.0            |2.0.0           |true
          ===1.0           |1.0             |true
          ===1.0           |1.0.0           |false
          ===1.0+LOCAL     |1.0+local       |true
          ===1.0           |1.0+local       |false
          """)
  void contains_version_followsPep440AndPackaging(String spec, String version, boolean expected) {
    assertThat(Specifier.parse(spec).contains(Version.parse(version))).isEqualTo(expected);
    assertThat(SpecifierSet.parse(spec).contains(version)).isEqualTo(expected);
  }

  /** Input spelling, normalized clause. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      ignoreLeadingAndTrailingWhitespace = false,
      textBlock =
          """
          ==1.0|==1.0
          '  == 1.0  '|==1.0
          '>=\t1.0-RC1'|>=1.0rc1
          ~=v2.2.0|~=2.2.0
          !=1.0.*|!=1.0.*
          ==V1!2.*|==1!2.*
          <1.0-1|<1.0.post1
          >1.0.DEV|>1.0.dev0
          ==1.0+Ubuntu-1|==1.0+ubuntu.1
          ===Foo-Bar|===Foo-Bar
          '=== 1.0'|===1.0
          """)
  void parse_validClause_normalizes(String input, String expected) {
    assertThat(Specifier.parse(input)).hasToString(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ~=1             |~= with at least two release segments, like ~=1.4
          ~=1a1           |~= with at least two release segments, like ~=1.4
          ~=1.0.*         |a prefix match (.*) only with == or !=, like ==1.2.*
          >=1.0.*         |a prefix match (.*) only with == or !=, like ==1.2.*
          <1.*            |a prefix match (.*) only with == or !=, like ==1.2.*
          ==1.0a1.*       |a release before .*, like ==1.2.*, without pre, post, dev or local segments
          ==1.0+local.*   |a release before .*, like ==1.2.*, without pre, post, dev or local segments
          !=1.0.post1.*   |a release before .*, like !=1.2.*, without pre, post, dev or local segments
          ==1.*.*         |a release before .*, like ==1.2.*, without pre, post, dev or local segments
          ==*             |a PEP 440 version after ==, like ==1.2.3
          ==.*            |a release before .*, like ==1.2.*, without pre, post, dev or local segments
          >=1.0+local     |no local version label (+...) with >=, only with == or !=
          <1.0+local      |no local version label (+...) with <, only with == or !=
          ~=1.0+local     |no local version label (+...) with ~=, only with == or !=
          >1.0+local      |no local version label (+...) with >, only with == or !=
          ==foo           |a PEP 440 version after ==, like ==1.2.3
          >=1.0-foo       |a PEP 440 version after >=, like >=1.2.3
          1.0             |an operator (~=, ==, !=, <=, >=, <, >, ===) followed by a version, like >=1.2
          =1.0            |an operator (~=, ==, !=, <=, >=, <, >, ===) followed by a version, like >=1.2
          =>1.0           |an operator (~=, ==, !=, <=, >=, <, >, ===) followed by a version, like >=1.2
          ~1.0            |an operator (~=, ==, !=, <=, >=, <, >, ===) followed by a version, like >=1.2
          ==              |a single version after ==, like ==1.2
          ===             |a single version after ===, like ===1.2
          == 1.0 1.1      |a single version after ==, like ==1.2
          >=1.0 ,<2       |a single version after >=, like >=1.2
          """)
  void parse_invalidClause_throwsWithExpectation(String input, String expectation) {
    assertThatThrownBy(() -> Specifier.parse(input))
        .isInstanceOf(InvalidSpecifierException.class)
        .hasMessage("version specifier: \"" + input + "\" (expected: " + expectation + ")");
  }

  @Test
  void parse_emptyString_throws() {
    assertThatThrownBy(() -> Specifier.parse(""))
        .isInstanceOf(InvalidSpecifierException.class)
        .hasMessageStartingWith("version specifier: \"\" (expected: an operator");
  }

  @Test
  void accessors_clause_exposeOperatorAndVersion() {
    Specifier s = Specifier.parse("!= 1.0.*");
    assertThat(s.operator()).isEqualTo(Specifier.Operator.NOT_EQUAL);
    assertThat(s.operator().symbol()).isEqualTo("!=");
    assertThat(s.version()).isEqualTo("1.0.*");
    assertThat(s.isWildcard()).isTrue();
    assertThat(Specifier.parse("===abc").version()).isEqualTo("abc");
  }

  @ParameterizedTest(name = "{0} equals {1}: {2}")
  @CsvSource({
    "==1.0, ==1.0.0, true",
    ">=1.0, >= 1.0, true",
    "<1.0, <1.0.0, true",
    "==1.0+abc, ==1.0+ABC, true",
    "===abc, ===ABC, true",
    "~=1.0, ~=1.0.0, false",
    "==1.0.*, ==1.0.0.*, false",
    "==1.0, !=1.0, false",
    "==1.0, ==1.0.*, false",
  })
  void equals_clauses_ignoreTrailingZerosWhereMeaningIsSame(String a, String b, boolean expected) {
    Specifier sa = Specifier.parse(a);
    Specifier sb = Specifier.parse(b);
    assertThat(sa.equals(sb)).isEqualTo(expected);
    if (expected) {
      assertThat(sa).hasSameHashCodeAs(sb);
    }
  }
}
