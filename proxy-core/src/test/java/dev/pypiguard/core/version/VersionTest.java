package dev.pypiguard.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class VersionTest {

  /** Input spelling to normalized form, from PEP 440 §Normalization and packaging's tests. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      ignoreLeadingAndTrailingWhitespace = false,
      textBlock =
          """
          1.0|1.0
          1|1
          1.0.0|1.0.0
          01.002.0003|1.2.3
          v1.0|1.0
          V1.0|1.0
          '  1.0  '|1.0
          '\t1.0\n'|1.0
          0!1.0|1.0
          1!1.0|1!1.0
          01!1.0|1!1.0
          1.0a1|1.0a1
          1.0A1|1.0a1
          1.0alpha1|1.0a1
          1.0ALPHA1|1.0a1
          1.0.a1|1.0a1
          1.0-a1|1.0a1
          1.0_a1|1.0a1
          1.0a.1|1.0a1
          1.0a-1|1.0a1
          1.0a_1|1.0a1
          1.0a|1.0a0
          1.0-alpha|1.0a0
          1.0b2|1.0b2
          1.0beta2|1.0b2
          1.0-beta-2|1.0b2
          1.0c1|1.0rc1
          1.0rc1|1.0rc1
          1.0pre1|1.0rc1
          1.0preview1|1.0rc1
          1.0.preview.1|1.0rc1
          1.0RC|1.0rc0
          1.0a01|1.0a1
          1.0.post1|1.0.post1
          1.0post1|1.0.post1
          1.0-post1|1.0.post1
          1.0_post1|1.0.post1
          1.0.post.1|1.0.post1
          1.0.post|1.0.post0
          1.0post|1.0.post0
          1.0.rev1|1.0.post1
          1.0r1|1.0.post1
          1.0-r-1|1.0.post1
          1.0-1|1.0.post1
          1.0-0|1.0.post0
          1.0.POST01|1.0.post1
          1.0.dev1|1.0.dev1
          1.0dev1|1.0.dev1
          1.0-dev1|1.0.dev1
          1.0_dev_1|1.0.dev1
          1.0.dev|1.0.dev0
          1.0DEV|1.0.dev0
          1.0a1.dev2|1.0a1.dev2
          1.0a1-dev2|1.0a1.dev2
          1.0.post1.dev2|1.0.post1.dev2
          1.0-1dev2|1.0.post1.dev2
          1.0rc1.post2.dev3|1.0rc1.post2.dev3
          1.0+ubuntu.1|1.0+ubuntu.1
          1.0+ubuntu-1|1.0+ubuntu.1
          1.0+ubuntu_1|1.0+ubuntu.1
          1.0+UBUNTU.1|1.0+ubuntu.1
          1.0+local.007|1.0+local.7
          1.0+abc.5.XYZ|1.0+abc.5.xyz
          1.0+1|1.0+1
          v1!2.0.0A1.POST2.DEV3+Ubuntu-1|1!2.0.0a1.post2.dev3+ubuntu.1
          2024.01.15|2024.1.15
          123456789012345678901234567890.1|123456789012345678901234567890.1
          """)
  void parse_validSpelling_normalizesLikePackaging(String input, String expected) {
    assertThat(Version.parse(input)).hasToString(expected);
    assertThat(Version.tryParse(input)).map(Version::toString).contains(expected);
  }

  /** Strings packaging rejects. */
  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "",
        " ",
        "foo",
        "1.0-foo",
        "1.0.",
        ".1.0",
        "1..0",
        "1.0a1a2",
        "1.0+",
        "1.0+ubuntu..1",
        "1.0+ubuntu_",
        "1.0+_ubuntu",
        "1.0+ubü",
        "1!",
        "!1.0",
        "1!2!3",
        "1.0 a1",
        "1 .0",
        "vv1.0",
        "1.0.post1.post2",
        "1.0.dev1.dev2",
        "1.0.dev1a1",
        "1.0--1",
        "1.0-1-1",
        "1.0+1+2",
        "a1.0",
        "1.0/2",
        "-1.0",
        "1.0rc1.pre2",
        "\u0661.0",
        "1.0 +local",
      })
  void parse_invalidVersion_throwsWithValueAndExpectation(String input) {
    assertThat(Version.tryParse(input)).isEmpty();
    assertThatThrownBy(() -> Version.parse(input))
        .isInstanceOf(InvalidVersionException.class)
        .hasMessage(
            "version: \""
                + input
                + "\" (expected: a PEP 440 version like 1.2.3, 2.0rc1 or 1.0.post1)");
  }

  @Test
  void tryParse_null_isEmpty() {
    assertThat(Version.tryParse(null)).isEmpty();
  }

  /**
   * A strictly increasing list, from packaging's test suite ordering and PEP 440 §Summary of
   * permitted suffixes and relative ordering. Every pair is checked.
   */
  static final List<String> SORTED =
      List.of(
          "1.0.dev456",
          "1.0a1",
          "1.0a2.dev456",
          "1.0a12.dev456",
          "1.0a12",
          "1.0b1.dev456",
          "1.0b2",
          "1.0b2.post345.dev456",
          "1.0b2.post345",
          "1.0b2-346",
          "1.0c1.dev456",
          "1.0c1",
          "1.0rc2",
          "1.0c3",
          "1.0",
          "1.0+abc",
          "1.0+abc.5",
          "1.0+abc.7",
          "1.0+5",
          "1.0+5.abc",
          "1.0+7",
          "1.0+10",
          "1.0.post456.dev34",
          "1.0.post456",
          "1.0.post456+local",
          "1.0.15",
          "1.1.dev1",
          "1.1a0",
          "1.1a1.dev1",
          "1.1a1",
          "1.1a1.post1.dev1",
          "1.1a1.post1",
          "1.1b0",
          "1.1rc0",
          "1.1",
          "1.1.post0.dev0",
          "1.1.post0",
          "1.1.post1",
          "1.2",
          "1.10",
          "2.0",
          "2.0.1",
          "10.0",
          "2024.1",
          "123456789012345678901234567890",
          "1!0.1",
          "1!1.0.dev1",
          "1!1.0",
          "2!0.0.0.0.1");

  static Stream<Arguments> orderedPairs() {
    List<Arguments> pairs = new ArrayList<>();
    for (int i = 0; i < SORTED.size(); i++) {
      for (int j = 0; j < SORTED.size(); j++) {
        pairs.add(Arguments.of(SORTED.get(i), SORTED.get(j), Integer.signum(i - j)));
      }
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} vs {1}")
  @MethodSource("orderedPairs")
  void compareTo_everyPairOfSortedList_agreesWithListOrder(String a, String b, int expected) {
    Version va = Version.parse(a);
    Version vb = Version.parse(b);
    assertThat(Integer.signum(va.compareTo(vb))).isEqualTo(expected);
    assertThat(va.equals(vb)).isEqualTo(expected == 0);
  }

  /** Pairs PEP 440 treats as the same version, including §Release segment's implicit zeros. */
  @ParameterizedTest(name = "{0} == {1}")
  @CsvSource({
    "1.0, 1.0.0",
    "1, 1.0.0.0",
    "1.0.0, 1",
    "0, 0.0",
    "1.0a1, 1.0.0a1",
    "1.0.post1, 1.0.0-1",
    "1.0.dev0, 1.0.0.dev",
    "1.0+abc, 1.0.0+ABC",
    "1.0+1, 1.0+01",
    "1.0+a.1, 1.0+a-1",
    "0!1.0, 1",
    "1.0rc1, 1.0c1",
    "1.0rc1, 1.0pre1",
    "v1.0, 1.0",
  })
  void equals_implicitZerosAndSpellings_equalWithSameHash(String a, String b) {
    Version va = Version.parse(a);
    Version vb = Version.parse(b);
    assertThat(va).isEqualTo(vb).hasSameHashCodeAs(vb);
    assertThat(va.compareTo(vb)).isZero();
  }

  @Test
  void equals_implicitZeros_keepWrittenRelease() {
    assertThat(Version.parse("1.0.0").release())
        .containsExactly(BigInteger.ONE, BigInteger.ZERO, BigInteger.ZERO);
    assertThat(Version.parse("1.0.0")).hasToString("1.0.0");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          1.0            |0|1.0  |-    |-|-|-
          1!2.3.4        |1|2.3.4|-    |-|-|-
          1.0a1          |0|1.0  |a1   |-|-|-
          1.0rc2.post3   |0|1.0  |rc2  |3|-|-
          1.0.dev4       |0|1.0  |-    |-|4|-
          1.0b1.post2.dev3+x.1|0|1.0|b1|2|3|x.1
          1.0+Ubuntu-01  |0|1.0  |-    |-|-|ubuntu.1
          """)
  void accessors_parsedVersion_exposeEachSegment(
      String input,
      String epoch,
      String release,
      String pre,
      String post,
      String dev,
      String local) {
    Version v = Version.parse(input);
    assertThat(v.epoch()).isEqualTo(new BigInteger(epoch));
    assertThat(v.release().stream().map(BigInteger::toString).toList())
        .containsExactly(release.split("\\."));
    assertThat(v.pre().map(PreRelease::toString)).isEqualTo(java.util.Optional.ofNullable(pre));
    assertThat(v.post().map(BigInteger::toString)).isEqualTo(java.util.Optional.ofNullable(post));
    assertThat(v.dev().map(BigInteger::toString)).isEqualTo(java.util.Optional.ofNullable(dev));
    assertThat(v.local()).isEqualTo(java.util.Optional.ofNullable(local));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "1.0, false, false, false",
    "1.0a1, true, false, false",
    "1.0.dev1, true, false, true",
    "1.0.post1, false, true, false",
    "1.0.post1.dev1, true, true, true",
    "1.0rc1.post1, true, true, false",
    "1.0+local, false, false, false",
  })
  void predicates_version_classifyReleaseKind(
      String input, boolean pre, boolean post, boolean dev) {
    Version v = Version.parse(input);
    assertThat(v.isPrerelease()).isEqualTo(pre);
    assertThat(v.isPostRelease()).isEqualTo(post);
    assertThat(v.isDevRelease()).isEqualTo(dev);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "1.0, 1.0, 1.0",
    "1!1.0rc1.post2.dev3+abc, 1!1.0rc1.post2.dev3, 1!1.0",
    "2.0.0+local.1, 2.0.0, 2.0.0",
    "1.0.post1, 1.0.post1, 1.0",
  })
  void publicAndBaseVersion_version_dropSuffixes(String input, String pub, String base) {
    Version v = Version.parse(input);
    assertThat(v.publicVersion()).hasToString(pub);
    assertThat(v.publicVersion().local()).isEmpty();
    assertThat(v.baseVersion()).hasToString(base);
  }

  @Test
  void parse_hugeNumbers_doNotOverflow() {
    String huge = "9".repeat(500);
    Version v = Version.parse(huge + "!" + huge + ".post" + huge + ".dev" + huge + "+" + huge);
    assertThat(v.epoch()).isEqualTo(new BigInteger(huge));
    assertThat(v).isGreaterThan(Version.parse("99999999999999999999"));
  }

  @Test
  void parse_veryLongRelease_doesNotOverflowStack() {
    String longRelease = "1" + ".0".repeat(200_000);
    Version v = Version.parse(longRelease);
    assertThat(v).isEqualTo(Version.parse("1"));
    assertThat(Version.tryParse(longRelease + ".")).isEmpty();
    assertThat(Version.tryParse("1.0+" + "a.".repeat(100_000) + "b")).isPresent();
  }

  @Test
  void preRelease_invalidLetter_isRejected() {
    assertThatThrownBy(() -> new PreRelease("c", BigInteger.ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: a, b or rc");
  }
}
