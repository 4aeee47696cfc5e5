package dev.pypiguard.core.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.DistributionFilename.Kind;
import dev.pypiguard.core.version.Version;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DistributionFilenameTest {

  /** Real-world file names: name, kind, normalized project, raw version. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rfc8785-0.1.2-py3-none-any.whl                                          |WHEEL|rfc8785          |0.1.2
          spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl    |WHEEL|spt3g            |1.0
          six-1.16.0-py2.py3-none-any.whl                                         |WHEEL|six              |1.16.0
          numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl                          |WHEEL|numpy            |1.26.4
          pypi_attestations-0.0.19-py3-none-any.whl                               |WHEEL|pypi-attestations|0.0.19
          zope.interface-6.0-cp311-cp311-win_amd64.whl                            |WHEEL|zope-interface   |6.0
          Django-4.2-py3-none-any.whl                                             |WHEEL|django           |4.2
          pypi_attestations-0.0.19.tar.gz                                         |SDIST|pypi-attestations|0.0.19
          Django-4.2.tar.gz                                                       |SDIST|django           |4.2
          zope.interface-6.0.tar.gz                                               |SDIST|zope-interface   |6.0
          python-dateutil-2.8.2.tar.gz                                            |SDIST|python-dateutil  |2.8.2
          python_dateutil-2.9.0.post0.tar.gz                                      |SDIST|python-dateutil  |2.9.0.post0
          requests-2.31.0.zip                                                     |SDIST|requests         |2.31.0
          pytz-2011k.tar.bz2                                                      |SDIST|pytz             |2011k
          foo-1.0.tgz                                                             |SDIST|foo              |1.0
          foo-1.0.tar.xz                                                          |SDIST|foo              |1.0
          foo-1.0.tar                                                             |SDIST|foo              |1.0
          3to2-1.1.1.zip                                                          |SDIST|3to2             |1.1.1
          foo-1.0-1.tar.gz                                                        |SDIST|foo              |1.0-1
          setuptools-0.6c11-py2.7.egg                                             |EGG  |setuptools       |0.6c11
          pywin32-214.win32-py2.6.exe                                             |OTHER|pywin32          |214
          lxml-2.3.win-amd64-py2.7.msi                                            |OTHER|lxml             |2.3
          """)
  void parse_realWorldName_splitsProjectAndVersion(
      String filename, Kind kind, String project, String version) {
    DistributionFilename d = DistributionFilename.parse(filename).orElseThrow();
    assertThat(d.filename()).isEqualTo(filename);
    assertThat(d.kind()).isEqualTo(kind);
    assertThat(d.project()).isEqualTo(new ProjectName(project));
    assertThat(d.version()).isEqualTo(version);
  }

  @Test
  void parse_compressedWheelTags_exposesSetsAndExpandedTriples() {
    DistributionFilename d =
        DistributionFilename.parse(
                "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
            .orElseThrow();
    assertThat(d.pythonTags()).containsExactly("cp310");
    assertThat(d.abiTags()).containsExactly("cp310");
    assertThat(d.platformTags()).containsExactly("manylinux_2_17_x86_64", "manylinux2014_x86_64");
    assertThat(d.tags())
        .containsExactlyInAnyOrder(
            "cp310-cp310-manylinux_2_17_x86_64", "cp310-cp310-manylinux2014_x86_64");
    assertThat(d.buildTag()).isEmpty();
    assertThat(d.parsedVersion()).contains(Version.parse("1.0"));
  }

  @Test
  void parse_wheelWithBuildTag_exposesBuildTag() {
    DistributionFilename d =
        DistributionFilename.parse("foo-1.0-1local-py2.py3-none-any.whl").orElseThrow();
    assertThat(d.buildTag()).contains("1local");
    assertThat(d.tags()).containsExactlyInAnyOrder("py2-none-any", "py3-none-any");
  }

  @Test
  void sameDistribution_tagsInOtherOrderAndCase_isTrue() {
    DistributionFilename a =
        DistributionFilename.parse("Foo_Bar-1.0-py2.py3-none-any.whl").orElseThrow();
    DistributionFilename b =
        DistributionFilename.parse("foo.bar-1.0.0-PY3.py2-none-any.whl").orElseThrow();
    assertThat(a.sameDistribution(b)).isTrue();
    assertThat(b.sameDistribution(a)).isTrue();
    assertThat(a).isNotEqualTo(b);
  }

  @ParameterizedTest(name = "{0} vs {1}")
  @CsvSource({
    "foo-1.0-py3-none-any.whl, foo-1.1-py3-none-any.whl",
    "foo-1.0-py3-none-any.whl, foo-1.0-py2-none-any.whl",
    "foo-1.0-py3-none-any.whl, foo-1.0-1-py3-none-any.whl",
    "foo-1.0-py3-none-any.whl, bar-1.0-py3-none-any.whl",
    "foo-1.0-py3-none-any.whl, foo-1.0.tar.gz",
    "foo-1.0.tar.gz, foo-1.0.zip",
    "foo-1.0-cp310-cp310-linux_x86_64.whl, foo-1.0-cp310-abi3-linux_x86_64.whl",
  })
  void sameDistribution_anyDifference_isFalse(String a, String b) {
    assertThat(
            DistributionFilename.parse(a)
                .orElseThrow()
                .sameDistribution(DistributionFilename.parse(b).orElseThrow()))
        .isFalse();
  }

  @Test
  void sameDistribution_sdistWithOtherSpelling_isTrue() {
    DistributionFilename a = DistributionFilename.parse("Django-4.2.tar.gz").orElseThrow();
    DistributionFilename b = DistributionFilename.parse("django-4.2.0.TAR.GZ").orElseThrow();
    assertThat(a.sameDistribution(b)).isTrue();
  }

  /** With the project known, the split follows the project name, case/separator insensitive. */
  @ParameterizedTest(name = "{0} of {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          python-dateutil-2.8.2.tar.gz     |python-dateutil |2.8.2
          Python_DateUtil-2.8.2.tar.gz     |python-dateutil |2.8.2
          python.dateutil-2.8.2.zip        |python_dateutil |2.8.2
          foo-bar-1.0-beta.tar.gz          |foo-bar         |1.0-beta
          foo-2fa-1.0.tar.gz               |foo-2fa         |1.0
          foo-2fa-1.0.tar.gz               |foo             |2fa-1.0
          zope.interface-6.0.tar.gz        |zope-interface  |6.0
          rfc8785-0.1.2-py3-none-any.whl   |RFC8785         |0.1.2
          pywin32-214.win32-py2.6.exe      |pywin32         |214
          foo-v1.0.tar.gz                  |foo             |v1.0
          """)
  void parse_withKnownProject_splitsAtProjectName(String filename, String project, String version) {
    DistributionFilename d =
        DistributionFilename.parse(filename, new ProjectName(project)).orElseThrow();
    assertThat(d.project()).isEqualTo(new ProjectName(project));
    assertThat(d.version()).isEqualTo(version);
  }

  @ParameterizedTest(name = "{0} of {1}")
  @CsvSource({
    "python-dateutil-2.8.2.tar.gz, dateutil",
    "python-dateutil-2.8.2.tar.gz, python",
    "rfc8785-0.1.2-py3-none-any.whl, rfc8786",
    "setuptools-0.6c11-py2.7.egg, distribute",
    "foo-bar-1.0.tar.gz, foo",
  })
  void parse_otherProject_isEmpty(String filename, String project) {
    assertThat(DistributionFilename.parse(filename, new ProjectName(project))).isEmpty();
  }

  @Test
  void parse_legacyNameWithoutProject_prefersSplitBeforeValidVersion() {
    assertThat(DistributionFilename.parse("foo-2fa-1.0.tar.gz"))
        .map(DistributionFilename::project)
        .contains(new ProjectName("foo-2fa"));
    assertThat(DistributionFilename.parse("foo-bar-1.0-beta.tar.gz"))
        .map(DistributionFilename::version)
        .contains("1.0-beta");
  }

  @Test
  void parsedVersion_legacyVersion_isEmptyButRawIsKept() {
    DistributionFilename d = DistributionFilename.parse("pytz-2011k.tar.bz2").orElseThrow();
    assertThat(d.version()).isEqualTo("2011k");
    assertThat(d.parsedVersion()).isEmpty();
  }

  @Test
  void parse_egg_exposesPythonAndPlatform() {
    DistributionFilename d =
        DistributionFilename.parse("lxml-2.2.8-py2.6-macosx-10.6-universal.egg").orElseThrow();
    assertThat(d.kind()).isEqualTo(Kind.EGG);
    assertThat(d.version()).isEqualTo("2.2.8");
    assertThat(d.pythonTags()).containsExactly("py2.6");
    assertThat(d.platformTags()).containsExactly("macosx-10.6-universal");
    assertThat(d.abiTags()).isEmpty();
    assertThat(d.tags()).isEmpty();
  }

  @Test
  void parse_sdist_hasNoTags() {
    DistributionFilename d = DistributionFilename.parse("Django-4.2.tar.gz").orElseThrow();
    assertThat(d.buildTag()).isEmpty();
    assertThat(d.pythonTags()).isEmpty();
    assertThat(d.tags()).isEmpty();
    assertThat(d.parsedVersion()).map(Version::toString).isEqualTo(Optional.of("4.2"));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "",
        "foo.whl",
        "foo-1.0.whl",
        "foo-1.0-py3-none.whl",
        "foo-1.0-x-y-py3-none-any.whl",
        "foo-1.0-build-py3-none-any.whl",
        "foo__bar-1.0-py3-none-any.whl",
        "foo-1.0-py3-none-any.tar.Z",
        "-1.0-py3-none-any.whl",
        "foo!-1.0-py3-none-any.whl",
        "foo.tar.gz",
        "-1.0.tar.gz",
        "foo-.tar.gz",
        "foo-1.0.rar",
        "foo-1.0.exe",
        "foo-1.0.linux-x86_64.rpm",
        "../foo-1.0.tar.gz",
        "dir/foo-1.0-py3-none-any.whl",
        "dir\\\\foo-1.0.tar.gz",
        "foo.egg",
        "foo-1.0-cp27-linux.egg",
        "README",
      })
  void parse_notADistributionName_isEmpty(String filename) {
    assertThat(DistributionFilename.parse(filename)).isEmpty();
  }

  /**
   * Issue 13: names packaging's {@code parse_wheel_filename} and pip accept must be named here too,
   * or the file would be judged without a version. Tag sets may have empty members.
   */
  @ParameterizedTest
  @CsvSource({
    "foo-1.0-py3..py2-none-any.whl, 1.0, 'py3,,py2'",
    "foo-1.0--none-any.whl, 1.0, ''",
    "foo-1.0-py3.-none-any.whl, 1.0, 'py3,'",
  })
  void parse_wheelWithEmptyTagMembers_isNamedAsPackagingNamesIt(
      String filename, String version, String python) {
    DistributionFilename d =
        DistributionFilename.parse(filename, new ProjectName("foo")).orElseThrow();
    assertThat(d.version()).isEqualTo(version);
    assertThat(d.pythonTags()).containsExactly(python.split(",", -1));
  }

  /** Issue 13: every archive suffix pip accepts for an sdist (pip's ARCHIVE_EXTENSIONS). */
  @ParameterizedTest
  @ValueSource(
      strings = {
        ".tar.gz",
        ".tgz",
        ".tar",
        ".tar.bz2",
        ".tbz",
        ".tar.xz",
        ".txz",
        ".tlz",
        ".tar.lz",
        ".tar.lzma",
        ".zip",
        ".TAR.GZ",
        ".Zip"
      })
  void parse_everySdistSuffixPipAccepts_isAnSdistWithItsVersion(String suffix) {
    DistributionFilename d =
        DistributionFilename.parse("Foo_Bar-2.0.post1" + suffix, new ProjectName("foo-bar"))
            .orElseThrow();
    assertThat(d.kind()).isEqualTo(DistributionFilename.Kind.SDIST);
    assertThat(d.version()).isEqualTo("2.0.post1");
  }

  @Test
  void parse_null_isEmpty() {
    assertThat(DistributionFilename.parse(null)).isEmpty();
  }
}
