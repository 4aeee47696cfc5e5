package dev.pypiguard.core.simple;

import static dev.pypiguard.core.simple.Samples.bytes;
import static dev.pypiguard.core.simple.Samples.string;
import static dev.pypiguard.core.simple.Samples.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SimpleJsonTest {
  private static final URI PAGE = URI.create("https://pypi.org/simple/requests/");
  private static final ObjectMapper PLAIN = new ObjectMapper();

  private static ProjectPage pypiPage() {
    return SimpleJson.parsePage(bytes("pypi-page.json"), PAGE);
  }

  @Test
  void parsePage_pypiSample_readsPageLevelFields() {
    ProjectPage page = pypiPage();

    assertThat(page.name()).isEqualTo("requests");
    assertThat(page.apiVersion()).isEqualTo("1.4");
    assertThat(page.meta()).containsOnlyKeys("_last-serial", "x-mirror");
    assertThat(page.meta().get("_last-serial").longValue()).isEqualTo(23412378L);
    assertThat(page.versions()).contains(List.of("2.31.0", "2.32.0", "2.32.3"));
    assertThat(page.projectStatus())
        .contains(new ProjectStatus("archived", Optional.of("superseded by niquests")));
    assertThat(page.extra()).containsOnlyKeys("alternate-locations");
    assertThat(page.files()).hasSize(3);
  }

  @Test
  void parsePage_fileWithEveryField_readsEachField() {
    FileEntry f = pypiPage().files().get(0);

    assertThat(f.filename()).isEqualTo("requests-2.32.3-py3-none-any.whl");
    assertThat(f.url()).startsWith("https://files.pythonhosted.org/packages/f9/9b/");
    assertThat(f.hashes())
        .containsExactly(
            Map.entry("sha256", "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"),
            Map.entry("blake2b_256", "f9"));
    assertThat(f.requiresPython()).contains(">=3.8");
    assertThat(f.yanked()).isEqualTo(Yanked.NO);
    assertThat(f.size()).isEqualTo(OptionalLong.of(64928));
    assertThat(f.uploadTime()).contains("2024-05-29T15:37:47.027627Z");
    assertThat(f.coreMetadata().orElseThrow().hashes())
        .containsEntry(
            "sha256", "0bb1d8ea5ab1e1d6d24f3b2a1f8b6ed5d21ba1f6a3e2c8b38b4f1b3c1ad2c86f");
    assertThat(f.distInfoMetadata()).isEqualTo(f.coreMetadata());
    assertThat(f.gpgSig()).contains(false);
    assertThat(f.provenance()).hasValueSatisfying(p -> assertThat(p).endsWith("/provenance"));
    // PyPI's misnamed key is read as metadata, not carried as an unknown key (PEP 714).
    assertThat(f.extra()).containsOnlyKeys("x-scan");
  }

  @Test
  void parsePage_relativeUrl_resolvedAgainstPageUrl() {
    assertThat(pypiPage().files().get(1).url())
        .isEqualTo("https://pypi.org/packages/ef/ab/requests-2.32.0.tar.gz");
  }

  @Test
  void parsePage_yankedReasonAndTrue_readAsYanked() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(1).yanked())
        .isEqualTo(Yanked.because("Yanked due to conflicts with CVE-2024-35195 mitigation"));
    assertThat(files.get(2).yanked()).isEqualTo(new Yanked(true, Optional.empty()));
  }

  @Test
  void parsePage_coreMetadataTrueFalseAndHash_readAsRefOrEmpty() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(0).coreMetadata().orElseThrow().hashes()).containsKey("sha256");
    assertThat(files.get(1).coreMetadata()).contains(MetadataRef.withoutHashes());
    assertThat(files.get(2).coreMetadata()).isEmpty();
  }

  @Test
  void parsePage_nullOptionals_readAsAbsent() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(1).provenance()).isEmpty();
    assertThat(files.get(2).requiresPython()).isEmpty();
    assertThat(files.get(2).size()).isEmpty();
    assertThat(files.get(2).gpgSig()).isEmpty();
  }

  @Test
  void parsePage_requiresPythonWithAngleBrackets_keptVerbatim() {
    assertThat(pypiPage().files().get(1).requiresPython()).contains("<3,>=2.7");
  }

  @Test
  void roundTrip_pypiPage_isIdentityOnModel() {
    ProjectPage page = pypiPage();

    ProjectPage again = SimpleJson.parsePage(SimpleJson.render(page), PAGE);

    // Issue 16: only the PEP 714 name goes out, and the api-version is what the page implements
    // (one file has no size, so 1.0), never the upstream's 1.4.
    assertThat(again)
        .usingRecursiveComparison()
        .ignoringFields("apiVersion", "files.distInfoMetadata")
        .isEqualTo(page);
    assertThat(again.apiVersion()).isEqualTo("1.0");
    assertThat(again.files()).allSatisfy(f -> assertThat(f.distInfoMetadata()).isEmpty());
  }

  @Test
  void render_pypiPage_keepsUnknownKeysUnchanged() throws Exception {
    JsonNode original = PLAIN.readTree(bytes("pypi-page.json"));
    JsonNode rendered = PLAIN.readTree(SimpleJson.render(pypiPage()));

    assertThat(rendered.get("meta").get("x-mirror"))
        .isEqualTo(original.get("meta").get("x-mirror"));
    assertThat(rendered.get("alternate-locations")).isEqualTo(original.get("alternate-locations"));
    assertThat(rendered.get("files").get(0).get("x-scan"))
        .isEqualTo(original.get("files").get(0).get("x-scan"));
    // Issue 16 / PEP 714: neither legacy key goes out, the new one carries the same hashes.
    assertThat(rendered.get("files").get(0).get("data-dist-info-metadata")).isNull();
    assertThat(rendered.get("files").get(0).get("dist-info-metadata")).isNull();
    assertThat(rendered.get("files").get(0).get("core-metadata"))
        .isEqualTo(original.get("files").get(0).get("data-dist-info-metadata"));
  }

  @Test
  void render_page_writesKeysInConventionalOrder() throws Exception {
    JsonNode rendered = PLAIN.readTree(SimpleJson.render(pypiPage()));

    assertThat(rendered.fieldNames())
        .toIterable()
        .containsExactly(
            "meta", "name", "project-status", "versions", "files", "alternate-locations");
    assertThat(rendered.get("meta").fieldNames())
        .toIterable()
        .containsExactly("api-version", "_last-serial", "x-mirror");
    assertThat(rendered.get("files").get(0).fieldNames())
        .toIterable()
        .containsExactly(
            "filename",
            "url",
            "hashes",
            "requires-python",
            "core-metadata",
            "gpg-sig",
            "yanked",
            "size",
            "upload-time",
            "provenance",
            "x-scan");
  }

  @Test
  void render_yanked_writesFalseTrueOrReason() throws Exception {
    JsonNode files = PLAIN.readTree(SimpleJson.render(pypiPage())).get("files");

    assertThat(files.get(0).get("yanked").isBoolean()).isTrue();
    assertThat(files.get(0).get("yanked").booleanValue()).isFalse();
    assertThat(files.get(1).get("yanked").textValue())
        .isEqualTo("Yanked due to conflicts with CVE-2024-35195 mitigation");
    assertThat(files.get(2).get("yanked").booleanValue()).isTrue();
  }

  @Test
  void render_absentOptionals_omitted() throws Exception {
    JsonNode file = PLAIN.readTree(SimpleJson.render(pypiPage())).get("files").get(2);

    assertThat(file.fieldNames())
        .toIterable()
        .containsExactly("filename", "url", "hashes", "yanked");
  }

  @Test
  void render_coreMetadata_writesTrueOrHashObject() throws Exception {
    JsonNode files = PLAIN.readTree(SimpleJson.render(pypiPage())).get("files");

    assertThat(files.get(0).get("core-metadata").isObject()).isTrue();
    assertThat(files.get(1).get("core-metadata").booleanValue()).isTrue();
  }

  @Test
  void render_requiresPythonWithAngleBrackets_writtenPlainInJson() {
    assertThat(string(SimpleJson.render(pypiPage()))).contains("\"requires-python\":\"<3,>=2.7\"");
  }

  @Test
  void roundTrip_minimalPage_defaultsAndIdentity() {
    byte[] body =
        utf8(
            "{\"name\":\"x\",\"files\":[{\"filename\":\"x-1.0.tar.gz\",\"url\":\"x-1.0.tar.gz\","
                + "\"hashes\":{}}]}");

    ProjectPage page = SimpleJson.parsePage(body, PAGE);

    assertThat(page.apiVersion()).isEqualTo("1.0");
    assertThat(page.versions()).isEmpty();
    assertThat(page.projectStatus()).isEmpty();
    assertThat(page.files().get(0).url())
        .isEqualTo("https://pypi.org/simple/requests/x-1.0.tar.gz");
    assertThat(SimpleJson.parsePage(SimpleJson.render(page), PAGE))
        .usingRecursiveComparison()
        .ignoringFields("apiVersion")
        .isEqualTo(page);
  }

  @Test
  void parsePage_projectStatusWithoutStatus_isActive() {
    byte[] body = utf8("{\"name\":\"x\",\"files\":[],\"project-status\":{\"reason\":\"r\"}}");

    assertThat(SimpleJson.parsePage(body, PAGE).projectStatus())
        .contains(new ProjectStatus("active", Optional.of("r")));
  }

  @Test
  void parsePage_quarantined_roundTrips() {
    byte[] body =
        utf8(
            "{\"meta\":{\"api-version\":\"1.4\"},\"name\":\"evil\",\"files\":[],"
                + "\"project-status\":{\"status\":\"quarantined\"}}");

    ProjectPage page = SimpleJson.parsePage(body, PAGE);

    assertThat(page.projectStatus().orElseThrow().quarantined()).isTrue();
    assertThat(string(SimpleJson.render(page)))
        .contains("\"project-status\":{\"status\":\"quarantined\"}");
    assertThat(SimpleJson.parsePage(SimpleJson.render(page), PAGE))
        .usingRecursiveComparison()
        .ignoringFields("apiVersion")
        .isEqualTo(page);
  }

  @Test
  void parseIndex_pypiSample_readsNamesAndKeepsUnknownTopLevelKeys() {
    ProjectIndex index = SimpleJson.parseIndex(bytes("pypi-index.json"));

    assertThat(index.apiVersion()).isEqualTo("1.1");
    assertThat(index.meta()).containsOnlyKeys("_last-serial");
    assertThat(index.projects()).containsExactly("0", "Django", "zope.interface");
    assertThat(index.extra()).containsOnlyKeys("x-generated");
  }

  @Test
  void roundTrip_index_isIdentityOnModel() {
    ProjectIndex index = SimpleJson.parseIndex(bytes("pypi-index.json"));

    assertThat(SimpleJson.parseIndex(SimpleJson.render(index)))
        .usingRecursiveComparison()
        .ignoringFields("apiVersion")
        .isEqualTo(index);
    assertThat(string(SimpleJson.render(index)))
        .startsWith(
            "{\"meta\":{\"api-version\":\"1.4\",\"_last-serial\":23412378},"
                + "\"projects\":[{\"name\":\"0\"},");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          not json                     | <html></html>                                                        | body is not valid JSON
          empty body                   | ''                                                                   | $: empty body
          trailing garbage             | {"name":"x","files":[]} x                                            | body is not valid JSON
          top level array              | []                                                                   | $: expected an object
          missing name                 | {"files":[]}                                                         | name: missing
          name not string              | {"name":1,"files":[]}                                                | name: expected a string
          missing files                | {"name":"x"}                                                         | files: missing
          files not array              | {"name":"x","files":{}}                                              | files: expected an array
          file not object              | {"name":"x","files":["a"]}                                           | files[0]: expected an object
          missing filename             | {"name":"x","files":[{"url":"a","hashes":{}}]}                       | files[0].filename: missing
          missing url                  | {"name":"x","files":[{"filename":"a","hashes":{}}]}                  | files[0].url: missing
          missing hashes               | {"name":"x","files":[{"filename":"a","url":"a"}]}                    | files[0].hashes: missing
          hashes not object            | {"name":"x","files":[{"filename":"a","url":"a","hashes":[]}]}        | files[0].hashes: expected an object
          hash not string              | {"name":"x","files":[{"filename":"a","url":"a","hashes":{"sha256":1}}]} | files[0].hashes.sha256: expected a string
          yanked number                | {"name":"x","files":[{"filename":"a","url":"a","hashes":{},"yanked":1}]} | files[0].yanked: expected a boolean or a string
          size negative                | {"name":"x","files":[{"filename":"a","url":"a","hashes":{},"size":-1}]} | files[0].size: expected a non-negative integer
          size fraction                | {"name":"x","files":[{"filename":"a","url":"a","hashes":{},"size":1.5}]} | files[0].size: expected a non-negative integer
          core-metadata string         | {"name":"x","files":[{"filename":"a","url":"a","hashes":{},"core-metadata":"yes"}]} | files[0].core-metadata: expected a boolean or an object
          gpg-sig string               | {"name":"x","files":[{"filename":"a","url":"a","hashes":{},"gpg-sig":"no"}]} | files[0].gpg-sig: expected a boolean
          versions not strings         | {"name":"x","files":[],"versions":[1]}                               | versions[0]: expected a string
          project-status string        | {"name":"x","files":[],"project-status":"archived"}                  | project-status: expected an object
          meta not object              | {"meta":"1.0","name":"x","files":[]}                                 | meta: expected an object
          api-version not string       | {"meta":{"api-version":1.0},"name":"x","files":[]}                   | meta.api-version: expected a string
          file url scheme              | {"name":"x","files":[{"filename":"a","url":"file:///etc/passwd","hashes":{}}]} | files[0].url: not an http(s) URL
          filename with slash          | {"name":"x","files":[{"filename":"../a","url":"a","hashes":{}}]}     | files[0].filename: not a plain file name
          duplicate key                | {"name":"x","name":"y","files":[]}                                   | Duplicate field 'name'
          """)
  void parsePage_malformed_throwsWithLocation(String label, String body, String message) {
    assertThatThrownBy(() -> SimpleJson.parsePage(utf8(body), PAGE))
        .as(label)
        .isInstanceOf(MalformedPageException.class)
        .hasMessageContaining(message);
  }

  @Test
  void parsePage_badEntryAmongGoodOnes_rejectsWholePageNamingTheEntry() {
    String good = "{\"filename\":\"a\",\"url\":\"a\",\"hashes\":{}}";
    String bad = "{\"filename\":\"b\",\"url\":\"b\",\"hashes\":\"sha256=00\"}";
    byte[] body =
        utf8("{\"name\":\"x\",\"files\":[" + good + "," + good + "," + good + "," + bad + "]}");

    assertThatThrownBy(() -> SimpleJson.parsePage(body, PAGE))
        .isInstanceOf(MalformedPageException.class)
        .hasMessage("files[3].hashes: expected an object");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          missing projects     | {"meta":{"api-version":"1.0"}}   | projects: missing
          project not object   | {"projects":["a"]}               | projects[0]: expected an object
          project without name | {"projects":[{}]}                | projects[0].name: missing
          """)
  void parseIndex_malformed_throwsWithLocation(String label, String body, String message) {
    assertThatThrownBy(() -> SimpleJson.parseIndex(utf8(body)))
        .as(label)
        .isInstanceOf(MalformedPageException.class)
        .hasMessageContaining(message);
  }
}
