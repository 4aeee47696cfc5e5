package dev.pypiguard.policy.advisory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The expectations of src/test/resources/osv/SOURCES.md, on the real records copied there. */
class OsvFixturesTest {
  static Path fixtures;
  static AdvisoryDatabase db;

  @BeforeAll
  static void load() throws IOException, URISyntaxException {
    fixtures = Path.of(OsvFixturesTest.class.getResource("/osv/SOURCES.md").toURI()).getParent();
    db = AdvisoryDatabase.of(new OsvDirectorySource(fixtures).load());
  }

  static List<Advisory> affecting(String project, String version) {
    return db.affecting(new ProjectName(project), version);
  }

  static List<String> ids(String project, String version) {
    return affecting(project, version).stream().map(Advisory::id).toList();
  }

  @Test
  void directorySource_fixtures_readsEveryNonWithdrawnRecord() {
    // 41 PYSEC + 6 GHSA + 10 MAL records; 4 PYSEC and 2 MAL are withdrawn.
    assertThat(db.size()).isEqualTo(57 - 6);
  }

  @Test
  void lastAffected_py_inclusiveUpperBound() {
    assertThat(ids("py", "1.11.0")).containsExactly("PYSEC-2022-42969");
    assertThat(ids("py", "1.4.7.dev3")).contains("PYSEC-2022-42969");
    assertThat(ids("py", "1.11.1")).isEmpty();
  }

  @Test
  void aliases_pysecAndGhsaForOneFlaw_reportedOnceWithEveryId() {
    List<Advisory> found = affecting("py", "1.10.0");
    assertThat(found).hasSize(1);
    Advisory a = found.get(0);
    assertThat(a.id()).isEqualTo("PYSEC-2022-42969");
    assertThat(a.aliases()).containsExactly("CVE-2022-42969", "GHSA-w596-4wvx-j9j6");
    // The PYSEC record states no severity; the GHSA one's CVSS 3.1 vector scores 5.3.
    assertThat(a.severity()).contains(Severity.MEDIUM);
  }

  @Test
  void ranges_multipleIntroducedFixedPairs_eachPairHonoured() {
    assertThat(ids("django", "4.2.14")).contains("PYSEC-2024-70");
    assertThat(ids("django", "4.2.15")).doesNotContain("PYSEC-2024-70");
    assertThat(ids("django", "5.0.7")).contains("PYSEC-2024-70");
    assertThat(ids("django", "5.0.8")).doesNotContain("PYSEC-2024-70");
    assertThat(ids("django", "4.1")).doesNotContain("PYSEC-2024-70");
  }

  @Test
  void nearestFixed_versionInSecondPair_fixOfThatPair() {
    Advisory a =
        db.records(new ProjectName("django")).stream()
            .filter(r -> r.id().equals("PYSEC-2024-70"))
            .findFirst()
            .orElseThrow();
    assertThat(a.nearestFixed("django", Version.parse("4.2.3"))).contains("4.2.15");
    assertThat(a.nearestFixed("django", Version.parse("5.0.1"))).contains("5.0.8");
    assertThat(a.nearestFixed("django", Version.parse("5.1"))).isEmpty();
  }

  @Test
  void introducedZeroOnly_requestUtil_everyVersionAffected() {
    assertThat(ids("request-util", "0.0.1")).containsExactly("PYSEC-2022-43052");
    assertThat(ids("request-util", "99.0")).containsExactly("PYSEC-2022-43052");
    assertThat(ids("Request_Util", "1.0.dev0")).containsExactly("PYSEC-2022-43052");
  }

  @Test
  void withdrawn_fastapiFalsePositive_notReported() {
    assertThat(affecting("fastapi", "0.136.3")).isEmpty();
  }

  @Test
  void withdrawn_pysecRecords_notReported() {
    assertThat(ids("aiohttp", "3.8.1")).doesNotContain("PYSEC-2022-43059");
    assertThat(ids("redis", "4.5.4")).doesNotContain("PYSEC-2023-73");
    assertThat(ids("loguru", "0.5.3")).isEmpty();
    assertThat(ids("urlcon", "0.1.0")).isEmpty();
  }

  @Test
  void malicious_versionsList_onlyListedVersionsMalicious() {
    List<Advisory> found = affecting("123bla", "0.0.1");
    assertThat(found).extracting(Advisory::id).containsExactly("MAL-2024-10238");
    assertThat(found.get(0).malicious()).isTrue();
    assertThat(affecting("123bla", "0.0.2")).isEmpty();
  }

  @Test
  void versionsList_pep440Equality_matchesOtherSpelling() {
    // 1337test lists "1"; PEP 440 says 1 == 1.0 == 1.0.0.
    assertThat(ids("1337test", "1.0.0")).containsExactly("MAL-2024-4720");
    assertThat(ids("1337test", "1.0.1")).isEmpty();
  }

  @Test
  void malicious_everyMalRecord_flaggedMalicious() {
    for (String p :
        List.of("0requests", "3web-py", "a-oder", "7miners", "3m-promo-gen-api", "0x000testqwe")) {
      assertThat(db.records(new ProjectName(p)))
          .allSatisfy(a -> assertThat(a.malicious()).isTrue());
    }
    assertThat(db.records(new ProjectName("django"))).noneMatch(Advisory::malicious);
  }

  @Test
  void gitRanges_ignoredForPypi_ecosystemRangeStillDecides() {
    // PYSEC-2023-74 (requests): ECOSYSTEM introduced 2.3.0, fixed 2.31.0, plus a GIT range.
    assertThat(ids("requests", "2.30.0")).contains("PYSEC-2023-74");
    assertThat(ids("requests", "2.31.0")).doesNotContain("PYSEC-2023-74");
  }

  @Test
  void severity_databaseSpecificLabel_used() {
    Advisory ghsa =
        db.records(new ProjectName("urllib3")).stream()
            .filter(a -> a.id().equals("GHSA-34jh-p97f-mpxf"))
            .findFirst()
            .orElseThrow();
    assertThat(ghsa.severity()).contains(Severity.MEDIUM);
    assertThat(ghsa.affected()).hasSize(2);
  }

  @Test
  void generation_sameContentDifferentLayout_equal(@TempDir Path tmp) throws IOException {
    Path zip = tmp.resolve("all.zip");
    zipFixtures(zip);
    AdvisoryDatabase fromZip = AdvisoryDatabase.of(new OsvZipSource(zip).load());
    assertThat(fromZip.size()).isEqualTo(db.size());
    assertThat(fromZip.generation()).isEqualTo(db.generation());
    assertThat(fromZip.affecting(new ProjectName("py"), "1.11.0"))
        .extracting(Advisory::id)
        .containsExactly("PYSEC-2022-42969");
  }

  @Test
  void generation_contentChanged_differs(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("osv");
    Files.createDirectories(dir);
    Files.copy(
        fixtures.resolve("pypa-advisory-database/vulns/py/PYSEC-2022-42969.yaml"),
        dir.resolve("a.yaml"));
    String before = AdvisoryDatabase.of(new OsvDirectorySource(dir).load()).generation();
    Files.writeString(
        dir.resolve("a.yaml"),
        Files.readString(dir.resolve("a.yaml")).replace("'1.11.0'", "'1.10.0'"));
    String after = AdvisoryDatabase.of(new OsvDirectorySource(dir).load()).generation();
    assertThat(after).isNotEqualTo(before);
  }

  @Test
  void malformedRecord_skipped_restLoaded(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("osv");
    Files.createDirectories(dir.resolve("x"));
    Files.copy(
        fixtures.resolve("ossf-malicious-packages/osv/malicious/pypi/123bla/MAL-2024-10238.json"),
        dir.resolve("x/MAL-2024-10238.json"));
    Files.writeString(dir.resolve("x/broken.json"), "{\"id\": \"PYSEC-1\", \"affected\": [");
    Files.writeString(dir.resolve("x/noid.json"), "{\"affected\": []}");
    Files.writeString(
        dir.resolve("x/badrange.yaml"),
        "id: PYSEC-2\naffected:\n- package: {name: a, ecosystem: PyPI}\n  ranges: [{type: ECOSYSTEM, events: [{bogus: '1'}]}]\n");
    Files.writeString(
        dir.resolve("x/npm.json"),
        "{\"id\": \"GHSA-n\", \"affected\": [{\"package\": {\"name\": \"a\", \"ecosystem\": \"npm\"}, \"versions\": [\"1\"]}]}");
    List<Advisory> loaded = new OsvDirectorySource(dir).load();
    assertThat(loaded).extracting(Advisory::id).containsExactly("MAL-2024-10238");
  }

  @Test
  void yamlUnquotedVersion_keepsWrittenText(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("osv");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("r.yaml"),
        "id: PYSEC-3\naffected:\n- package: {name: a, ecosystem: PyPI}\n  ranges: [{type: ECOSYSTEM, events: [{introduced: 1.10}, {fixed: 1.12}]}]\n");
    AdvisoryDatabase d = AdvisoryDatabase.of(new OsvDirectorySource(dir).load());
    assertThat(d.affecting(new ProjectName("a"), "1.11")).hasSize(1);
    assertThat(d.affecting(new ProjectName("a"), "1.2")).isEmpty();
  }

  @Test
  void limitAndInvalidVersions_evaluatedPerOsvSchema(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("osv");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("r.json"),
        "{\"id\": \"X-1\", \"affected\": [{\"package\": {\"name\": \"A_b\", \"ecosystem\": \"PyPI\"},"
            + " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"1.0\"}, {\"limit\": \"2.0\"}]}],"
            + " \"versions\": [\"not a version!\"]}]}");
    AdvisoryDatabase d = AdvisoryDatabase.of(new OsvDirectorySource(dir).load());
    ProjectName ab = new ProjectName("a-b");
    assertThat(d.affecting(ab, "1.5")).hasSize(1);
    assertThat(d.affecting(ab, "2.0")).isEmpty();
    assertThat(d.affecting(ab, "0.9")).isEmpty();
    assertThat(d.affecting(ab, "not a version!")).hasSize(1);
    assertThat(d.affecting(ab, "other junk")).isEmpty();
  }

  static void zipFixtures(Path zip) throws IOException {
    try (OutputStream out = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(out);
        Stream<Path> files = Files.walk(fixtures)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        String name = f.getFileName().toString();
        if (name.endsWith(".md")) {
          continue;
        }
        z.putNextEntry(new ZipEntry(name));
        z.write(Files.readAllBytes(f));
        z.closeEntry();
      }
      z.putNextEntry(new ZipEntry("README.txt"));
      z.write("not a record".getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
    }
  }
}
