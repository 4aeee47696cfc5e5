package dev.pypiguard.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecifierSetTest {

  @ParameterizedTest(name = "\"{0}\" contains {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''                       |1.0         |true
          ''                       |1.0a1       |true
          '   '                    |0.0.dev0    |true
          >=1.0,<2.0               |1.5         |true
          >=1.0,<2.0               |2.0         |false
          >=1.0,<2.0               |2.0rc1      |false
          >=1.0,<2.0               |1.9.9rc1    |true
          >=1.0,<2.0               |0.9         |false
          ' >= 1.0 , < 2.0 '       |1.5         |true
          >=1.0,!=1.3.*,<2         |1.3.1       |false
          >=1.0,!=1.3.*,<2         |1.4         |true
          >=1.0,                   |1.0         |true
          ,,>=1.0,,                |0.5         |false
          >=2.0a1                  |2.0a2       |true
          >=1.0,>=1.0.0            |1.0         |true
          ~=3.7,!=3.8.0            |3.8.0       |false
          ~=3.7,!=3.8.0            |3.8.1       |true
          '>=3.8, <4'              |4.0a1       |false
          '>=3.8, <4'              |3.12.0b1    |true
          ==2.*,>2.0               |2.0.post1   |false
          ==2.*,>2.0               |2.1         |true
          """)
  void contains_version_requiresEveryClause(String spec, String version, boolean expected) {
    SpecifierSet set = SpecifierSet.parse(spec);
    assertThat(set.contains(Version.parse(version))).isEqualTo(expected);
    assertThat(set.contains(version)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" contains \"{1}\": {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''                |not-a-version  |false
          >=1.0             |not-a-version  |false
          ===not-a-version  |not-a-version  |true
          ===not-a-version  |NOT-A-VERSION  |true
          ===not-a-version  |other          |false
          ===foo,>=1.0      |foo            |false
          ===V1.0           |V1.0           |true
          ===1.0            |v1.0           |true
          ===1.0            |1.0.0          |false
          """)
  void contains_string_matchesInvalidVersionsOnlyByArbitraryEquality(
      String spec, String version, boolean expected) {
    assertThat(SpecifierSet.parse(spec).contains(version)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" -> \"{1}\"")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''                      |''
          '>=1.0, <2'             |<2,>=1.0
          '<2,>=1.0,>=1.0.0'      |<2,>=1.0
          '!=1.3.*, ~=1.0,>= 1.0' |!=1.3.*,>=1.0,~=1.0
          ==1.0-RC1               |==1.0rc1
          """)
  void toString_set_isSortedNormalizedAndDistinct(String input, String expected) {
    assertThat(SpecifierSet.parse(input)).hasToString(expected);
  }

  @Test
  void specifiers_set_keepsFirstWrittenOrderWithoutDuplicates() {
    assertThat(SpecifierSet.parse(">=1.0, <2, >=1.0.0").specifiers())
        .extracting(Specifier::toString)
        .containsExactly(">=1.0", "<2");
  }

  @Test
  void equals_sameClausesInOtherOrder_areEqual() {
    assertThat(SpecifierSet.parse(">=1.0,<2"))
        .isEqualTo(SpecifierSet.parse("<2.0, >=1"))
        .hasSameHashCodeAs(SpecifierSet.parse("<2.0, >=1"));
  }

  @Test
  void parse_invalidClause_throwsNamingTheClause() {
    assertThatThrownBy(() -> SpecifierSet.parse(">=1.0, ~=2"))
        .isInstanceOf(InvalidSpecifierException.class)
        .hasMessageContaining("\" ~=2\"")
        .hasMessageContaining("at least two release segments");
  }
}
