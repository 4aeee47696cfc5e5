package dev.pypiguard.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13: version and specifier semantics as pip 26 sees them, checked against the cases of
 * packaging 26's own test suite ({@code tests/test_specifiers.py}, {@code test_specifiers} with
 * pre-releases allowed, as our specifier sets always match pre-releases). The cases are
 * packaging's; the tests are ours.
 */
class Pep440PackagingCasesTest {

  @ParameterizedTest(name = "{0} in {1}")
  @CsvSource(
      delimiter = ' ',
      value = {
        // equality, padded releases and local labels
        "2.0 ==2",
        "2.0 ==2.0",
        "2.0 ==2.0.0",
        "2.0+deadbeef ==2",
        "2.0+deadbeef ==2.0",
        "2.0+deadbeef ==2.0.0",
        "2.0+deadbeef ==2+deadbeef",
        "2.0+deadbeef ==2.0+deadbeef",
        "2.0+deadbeef ==2.0.0+deadbeef",
        "2.0+deadbeef.0 ==2.0.0+deadbeef.00",
        // prefix matching
        "2.dev1 ==2.*",
        "2a1 ==2.*",
        "2a1.post1 ==2.*",
        "2b1 ==2.*",
        "2b1.dev1 ==2.*",
        "2c1 ==2.*",
        "2c1.post1.dev1 ==2.*",
        "2c1.post1.dev1 ==2.0.*",
        "2rc1 ==2.*",
        "2rc1 ==2.0.*",
        "2 ==2.*",
        "2 ==2.0.*",
        "2 ==0!2.*",
        "0!2 ==2.*",
        "2.0 ==2.*",
        "2.0.0 ==2.*",
        "2.1+local.version ==2.1.*",
        // inequality
        "2.1 !=2",
        "2.1 !=2.0",
        "2.0.1 !=2",
        "2.0.1 !=2.0",
        "2.0.1 !=2.0.0",
        "2.0 !=2.0+deadbeef",
        "2.0 !=3.*",
        "2.1 !=2.0.*",
        // >= and <=
        "2.0 >=2",
        "2.0 >=2.0",
        "2.0 >=2.0.0",
        "2.0.post1 >=2",
        "2.0.post1.dev1 >=2",
        "3 >=2",
        "3.0.0a8 >=3.0.0a7",
        "2.0 <=2",
        "2.0 <=2.0",
        "2.0 <=2.0.0",
        "2.0.dev1 <=2",
        "2.0a1 <=2",
        "2.0a1.dev1 <=2",
        "2.0b1 <=2",
        "2.0b1.post1 <=2",
        "2.0c1 <=2",
        "2.0c1.post1.dev1 <=2",
        "2.0rc1 <=2",
        "1 <=2",
        "3.0.0a7 <=3.0.0a8",
        // > and <
        "3 >2",
        "2.1 >2.0",
        "2.0.1 >2",
        "2.1.post1 >2",
        "2.1+local.version >2",
        "3.0.0a8 >3.0.0a7",
        "1 <2",
        "2.0 <2.1",
        "2.0.dev0 <2.1",
        "3.0.0a7 <3.0.0a8",
        // compatible release
        "1 ~=1.0",
        "1.0.1 ~=1.0",
        "1.1 ~=1.0",
        "1.9999999 ~=1.0",
        "1.1 ~=1.0a1",
        "2022.01.01 ~=2022.01.01",
        // epochs
        "2!1.0 ~=2!1.0",
        "2!1.0 ==2!1.*",
        "2!1.0 ==2!1.0",
        "2!1.0 !=1.0",
        "2!1.0.0 ==2!1.0.0.0.*",
        "2!1.0.0 ==2!1.0.*",
        "2!1.0.0 ==2!1.*",
        "1.0 !=2!1.0",
        "1.0 <=2!0.1",
        "2!1.0 >=2.0",
        "1.0 <2!0.1",
        "2!1.0 >2.0",
        // normalization
        "2.0.5 >2.0dev",
      })
  void contains_packagingTrueCases(String version, String spec) {
    assertThat(Specifier.parse(spec).contains(Version.parse(version))).isTrue();
  }

  @ParameterizedTest(name = "{0} not in {1}")
  @CsvSource(
      delimiter = ' ',
      value = {
        "2.1 ==2",
        "2.1 ==2.0",
        "2.1 ==2.0.0",
        "2.0 ==2.0+deadbeef",
        "2.0 ==3.*",
        "2.1 ==2.0.*",
        "2.0 !=2",
        "2.0 !=2.0",
        "2.0 !=2.0.0",
        "2.0+deadbeef !=2",
        "2.0+deadbeef !=2.0",
        "2.0+deadbeef !=2.0.0",
        "2.0+deadbeef !=2+deadbeef",
        "2.0+deadbeef !=2.0+deadbeef",
        "2.0+deadbeef !=2.0.0+deadbeef",
        "2.0+deadbeef.0 !=2.0.0+deadbeef.00",
        "2.dev1 !=2.*",
        "2a1 !=2.*",
        "2a1.post1 !=2.*",
        "2b1 !=2.*",
        "2b1.dev1 !=2.*",
        "2c1 !=2.*",
        "2c1.post1.dev1 !=2.*",
        "2c1.post1.dev1 !=2.0.*",
        "2rc1 !=2.*",
        "2rc1 !=2.0.*",
        "2 !=2.*",
        "2 !=2.0.*",
        "2.0 !=2.*",
        "2.0.0 !=2.*",
        "2.0.dev1 >=2",
        "2.0a1 >=2",
        "2.0a1.dev1 >=2",
        "2.0b1 >=2",
        "2.0b1.post1 >=2",
        "2.0c1 >=2",
        "2.0c1.post1.dev1 >=2",
        "2.0rc1 >=2",
        "1 >=2",
        "2.0.post1 <=2",
        "2.0.post1.dev1 <=2",
        "3 <=2",
        // > excludes post-releases and local versions of the given version (PEP 440 §Exclusive
        // ordered comparison)
        "1 >2",
        "2.0.dev1 >2",
        "2.0a1 >2",
        "2.0a1.post1 >2",
        "2.0b1 >2",
        "2.0b1.dev1 >2",
        "2.0c1 >2",
        "2.0c1.post1.dev1 >2",
        "2.0rc1 >2",
        "2.0 >2",
        "2.0.post1 >2",
        "2.0.post1.dev1 >2",
        "2.0+local.version >2",
        // < excludes pre-releases of the given version
        "2.0.dev1 <2",
        "2.0a1 <2",
        "2.0a1.post1 <2",
        "2.0b1 <2",
        "2.0b2.dev1 <2",
        "2.0c1 <2",
        "2.0c1.post1.dev1 <2",
        "2.0rc1 <2",
        "2.0 <2",
        "2.post1 <2",
        "2.post1.dev1 <2",
        "3 <2",
        "2.0 ~=1.0",
        "1.1.0 ~=1.0.0",
        "1.1.post1 ~=1.0.0",
        "1.0 ~=2!1.0",
        "2!1.0 ~=1.0",
        "2!1.0 ==1.0",
        "1.0 ==2!1.0",
        "2!1.0 ==1.0.0.*",
        "1.0 ==2!1.0.0.*",
        "2!1.0 ==1.*",
        "1.0 ==2!1.*",
        "2!1.0 !=2!1.0",
      })
  void contains_packagingFalseCases(String version, String spec) {
    assertThat(Specifier.parse(spec).contains(Version.parse(version))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2.0",
        "=>2.0",
        "==",
        "~=1.0+5",
        ">=1.0+deadbeef",
        "<=1.0+abc123",
        ">1.0+watwat",
        "<1.0+1.0",
        "~=1.0.*",
        ">=1.0.*",
        "<=1.0.*",
        ">1.0.*",
        "<1.0.*",
        "==1.0.*+5",
        "!=1.0.*+deadbeef",
        "==2.0a1.*",
        "!=2.0a1.*",
        "==2.0.post1.*",
        "!=2.0.post1.*",
        "==2.0.dev1.*",
        "!=2.0.dev1.*",
        "==1.0+5.*",
        "!=1.0+deadbeef.*",
        "==1.0.*.5",
        "~=1",
        "==1.0.dev1.*",
        "!=1.0.dev1.*",
      })
  void parse_packagingInvalidSpecifiers_refused(String spec) {
    assertThatThrownBy(() -> Specifier.parse(spec)).isInstanceOf(InvalidSpecifierException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.0dev", "1.0.dev", "1.0-dev1", "1.0DEV1", "1.0a", "1.0.a1", "1.0-alpha1", "1.0.ALPHA",
            "1.0b", "1.0-beta1",
        "1.0c", "1.0.rc1", "1.0-RC", "1.0post", "1.0-post1", "1.0-5", "1.01", "1.0a05", "1.0rc09",
            "1.0.post000",
        "1.1.dev09000", "00!1.2", "0100!0.0", "v1.0",
      })
  void parse_packagingNormalizedVersionsInEveryOperator_accepted(String version) {
    for (String op : new String[] {"~=", "==", "!=", "<=", ">=", "<", ">"}) {
      assertThat(Specifier.parse(op + version).contains(Version.parse(version)))
          .as(op + version)
          .isEqualTo(!op.equals("!=") && !op.equals("<") && !op.equals(">"));
    }
  }
}
