package dev.pypiguard.core.simple;

import static dev.pypiguard.core.simple.Samples.bytes;
import static dev.pypiguard.core.simple.Samples.string;
import static dev.pypiguard.core.simple.Samples.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SimpleHtmlTest {
  private static final URI PYPI = URI.create("https://pypi.org/simple/requests/");
  private static final URI STATIC = URI.create("https://idx.example/simple/x/");
  private static final String A64 = "a".repeat(64);

  private static ProjectPage pypiPage() {
    return SimpleHtml.parsePage(bytes("pypi-page.html"), PYPI, "requests");
  }

  private static ProjectPage html(String body) {
    return SimpleHtml.parsePage(utf8(body), STATIC, "x");
  }

  @Test
  void parsePage_pypiSample_readsMetasAndAllFiles() {
    ProjectPage page = pypiPage();

    assertThat(page.name()).isEqualTo("requests");
    assertThat(page.apiVersion()).isEqualTo("1.4");
    assertThat(page.projectStatus())
        .contains(new ProjectStatus("deprecated", Optional.of("use \"niquests\" & friends")));
    assertThat(page.files())
        .extracting(FileEntry::filename)
        .containsExactly(
            "requests-2.31.0.tar.gz", "requests-2.32.0.tar.gz", "requests-2.32.3-py3-none-any.whl");
    assertThat(page.versions()).isEmpty();
    assertThat(page.meta()).isEmpty();
    assertThat(page.extra()).isEmpty();
  }

  @Test
  void parsePage_hashFragment_becomesHashAndLeavesUrl() {
    FileEntry f = pypiPage().files().get(2);

    assertThat(f.url())
        .isEqualTo(
            "https://files.pythonhosted.org/packages/f9/9b/requests-2.32.3-py3-none-any.whl");
    assertThat(f.hashes())
        .containsExactly(
            Map.entry(
                "sha256", "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"));
  }

  @Test
  void parsePage_upperCaseHexInFragment_lowerCased() {
    assertThat(pypiPage().files().get(1).sha256())
        .contains("fa5490319474c82ef1d2c9bc459d3652e3ae4ef4c4ebdd18a21145a47ca4b6b8");
  }

  @Test
  void parsePage_requiresPythonEntities_unescaped() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(0).requiresPython()).contains("<3,>=2.7");
    assertThat(files.get(1).requiresPython()).contains(">=3.8");
  }

  @Test
  void parsePage_dataYanked_emptyMeansYankedWithoutReason() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(0).yanked()).isEqualTo(new Yanked(true, Optional.empty()));
    assertThat(files.get(1).yanked())
        .isEqualTo(Yanked.because("Yanked due to conflicts with CVE-2024-35195 mitigation"));
    assertThat(files.get(2).yanked()).isEqualTo(Yanked.NO);
  }

  @Test
  void parsePage_coreMetadata_trueVersusHash() {
    List<FileEntry> files = pypiPage().files();

    assertThat(files.get(0).coreMetadata()).isEmpty();
    assertThat(files.get(1).coreMetadata()).contains(MetadataRef.withoutHashes());
    assertThat(files.get(1).distInfoMetadata()).contains(MetadataRef.withoutHashes());
    assertThat(files.get(2).coreMetadata())
        .contains(
            new MetadataRef(
                Map.of(
                    "sha256", "0bb1d8ea5ab1e1d6d24f3b2a1f8b6ed5d21ba1f6a3e2c8b38b4f1b3c1ad2c86f")));
  }

  @Test
  void parsePage_gpgSigProvenanceAndWhitespaceText_read() {
    FileEntry f = pypiPage().files().get(2);

    assertThat(f.filename()).isEqualTo("requests-2.32.3-py3-none-any.whl");
    assertThat(f.gpgSig()).contains(false);
    assertThat(f.provenance())
        .contains(
            "https://pypi.org/integrity/requests/2.32.3/requests-2.32.3-py3-none-any.whl/provenance");
    assertThat(f.size()).isEqualTo(OptionalLong.empty());
  }

  @Test
  void parsePage_staticIndexRelativeLinks_resolvedAgainstPageUrl() {
    ProjectPage page = SimpleHtml.parsePage(bytes("static-page.html"), STATIC, "x");

    assertThat(page.apiVersion()).isEqualTo("1.0");
    assertThat(page.files())
        .extracting(FileEntry::filename, FileEntry::url, FileEntry::hashes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "x-1.0-py3-none-any.whl",
                "https://idx.example/files/x-1.0-py3-none-any.whl",
                Map.of("sha256", A64)),
            org.assertj.core.groups.Tuple.tuple(
                "x-1.0.tar.gz",
                "https://idx.example/simple/x/x-1.0.tar.gz",
                Map.of("md5", "d41d8cd98f00b204e9800998ecf8427e")),
            org.assertj.core.groups.Tuple.tuple(
                "x 1.1.zip", "https://idx.example/simple/x/x%201.1.zip", Map.of()),
            org.assertj.core.groups.Tuple.tuple(
                "x-0.9.tar.gz", "https://mirror.example/x-0.9.tar.gz#egg=x", Map.of()));
  }

  @Test
  void parsePage_baseHref_usedForResolution() {
    ProjectPage page =
        html(
            "<html><head><base href=\"https://cdn.example/pkgs/\"></head><body>"
                + "<a href=\"x-1.0.tar.gz#sha256="
                + A64
                + "\">x-1.0.tar.gz</a></body></html>");

    assertThat(page.files().get(0).url()).isEqualTo("https://cdn.example/pkgs/x-1.0.tar.gz");
  }

  @Test
  void parsePage_relativeBaseHref_resolvedAgainstPageUrl() {
    ProjectPage page =
        html("<base href=\"../../files/\"><a href=\"x-1.0.tar.gz\">x-1.0.tar.gz</a>");

    assertThat(page.files().get(0).url()).isEqualTo("https://idx.example/files/x-1.0.tar.gz");
  }

  @Test
  void parsePage_hrefWithoutHashLikeFragment_notAHash() {
    ProjectPage page = html("<a href=\"x-1.0.tar.gz#egg=abc\">x-1.0.tar.gz</a>");

    assertThat(page.files().get(0).hashes()).isEmpty();
    assertThat(page.files().get(0).url()).endsWith("#egg=abc");
  }

  @Test
  void parsePage_unusableLinks_skipped() {
    ProjectPage page = SimpleHtml.parsePage(bytes("static-page.html"), STATIC, "x");

    assertThat(page.files())
        .extracting(FileEntry::filename)
        .doesNotContain(
            "not a file", "empty", "x-evil.tar.gz", "passwd", "mail", "../../etc/passwd");
  }

  @Test
  void parsePage_garbage_givesEmptyPage() {
    ProjectPage page = html("<<<>>> not really html </a></a><a>");

    assertThat(page.files()).isEmpty();
    assertThat(page.apiVersion()).isEqualTo("1.0");
  }

  @Test
  void render_requiresPython_escapedInAttribute() {
    String html = string(SimpleHtml.render(pypiPage()));

    assertThat(html).contains("data-requires-python=\"&lt;3,&gt;=2.7\"");
    assertThat(html).contains("data-requires-python=\"&gt;=3.8\"");
  }

  @Test
  void render_hostileValues_escapeAllFiveCharacters() {
    FileEntry f =
        FileEntry.of("x-1.0.tar.gz", "https://h.example/x-1.0.tar.gz?a=1&b=2", Map.of())
            .withYanked(Yanked.because("<script>alert('x')</script> \"&"));
    ProjectPage page =
        new ProjectPage(
            "x<y>", "1.0", Map.of(), List.of(f), Optional.empty(), Optional.empty(), Map.of());

    String html = string(SimpleHtml.render(page));

    assertThat(html)
        .contains("href=\"https://h.example/x-1.0.tar.gz?a=1&amp;b=2\"")
        .contains("data-yanked=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;&amp;\"")
        .contains("<title>Links for x&lt;y&gt;</title>")
        .doesNotContain("<script>");
    assertThat(html(html).files().get(0).yanked().reason())
        .contains("<script>alert('x')</script> \"&");
  }

  @Test
  void render_yanked_emptyAttributeOrReason() {
    String html = string(SimpleHtml.render(pypiPage()));

    assertThat(html)
        .contains("data-yanked=\"\">requests-2.31.0.tar.gz</a><br>")
        .contains("data-yanked=\"Yanked due to conflicts with CVE-2024-35195 mitigation\"");
  }

  @Test
  void render_coreMetadata_trueOrHash() {
    String html = string(SimpleHtml.render(pypiPage()));

    assertThat(html)
        .contains("data-core-metadata=\"true\" data-dist-info-metadata=\"true\"")
        .contains(
            "data-core-metadata=\"sha256=0bb1d8ea5ab1e1d6d24f3b2a1f8b6ed5d21ba1f6a3e2c8b38b4f1b3c1ad2c86f\"");
  }

  @Test
  void render_projectStatus_writtenAsMetas() {
    String html = string(SimpleHtml.render(pypiPage()));

    assertThat(html)
        .contains("<meta name=\"pypi:repository-version\" content=\"1.4\">")
        .contains("<meta name=\"pypi:project-status\" content=\"deprecated\">")
        .contains(
            "<meta name=\"pypi:project-status-reason\" content=\"use &quot;niquests&quot; &amp; friends\">");
  }

  @Test
  void render_severalHashes_fragmentCarriesSha256() {
    FileEntry f =
        FileEntry.of(
            "x-1.0.tar.gz",
            "https://h.example/x-1.0.tar.gz",
            Map.of(
                "md5",
                "d41d8cd98f00b204e9800998ecf8427e",
                "sha512",
                "b".repeat(128),
                "sha256",
                A64));
    ProjectPage page =
        new ProjectPage(
            "x", "1.0", Map.of(), List.of(f), Optional.empty(), Optional.empty(), Map.of());

    assertThat(string(SimpleHtml.render(page)))
        .contains(
            "<a href=\"https://h.example/x-1.0.tar.gz#sha256=" + A64 + "\">x-1.0.tar.gz</a><br>");
  }

  @Test
  void render_noSha256_strongestOtherHashChosen() {
    FileEntry f =
        FileEntry.of(
            "x.tar.gz",
            "https://h.example/x.tar.gz",
            Map.of("md5", "d41d8cd98f00b204e9800998ecf8427e", "sha512", "b".repeat(128)));
    ProjectPage page =
        new ProjectPage(
            "x", "1.0", Map.of(), List.of(f), Optional.empty(), Optional.empty(), Map.of());

    assertThat(string(SimpleHtml.render(page))).contains("#sha512=" + "b".repeat(128) + "\"");
  }

  @Test
  void roundTrip_pypiHtmlPage_isIdentityOnModel() {
    ProjectPage page = pypiPage();

    assertThat(SimpleHtml.parsePage(SimpleHtml.render(page), PYPI, "requests")).isEqualTo(page);
  }

  @Test
  void roundTrip_staticHtmlPage_isIdentityOnModel() {
    ProjectPage page = SimpleHtml.parsePage(bytes("static-page.html"), STATIC, "x");

    assertThat(SimpleHtml.parsePage(SimpleHtml.render(page), STATIC, "x"))
        .usingRecursiveComparison()
        .ignoringFields("apiVersion")
        .isEqualTo(page);
  }

  @Test
  void render_jsonPageAsHtml_keepsWhatHtmlCanCarry() {
    ProjectPage json = SimpleJson.parsePage(bytes("pypi-page.json"), PYPI);

    ProjectPage html = SimpleHtml.parsePage(SimpleHtml.render(json), PYPI, "requests");

    assertThat(html.projectStatus()).isEqualTo(json.projectStatus());
    assertThat(html.files())
        .extracting(FileEntry::yanked)
        .containsExactlyElementsOf(json.files().stream().map(FileEntry::yanked).toList());
    assertThat(html.files())
        .extracting(FileEntry::requiresPython)
        .containsExactlyElementsOf(json.files().stream().map(FileEntry::requiresPython).toList());
    assertThat(html.files())
        .extracting(FileEntry::coreMetadata)
        .containsExactlyElementsOf(json.files().stream().map(FileEntry::coreMetadata).toList());
    assertThat(html.files().get(0).hashes()).containsOnlyKeys("sha256");
  }

  @Test
  void parseIndex_pypiSample_readsAnchorTexts() {
    ProjectIndex index = SimpleHtml.parseIndex(bytes("pypi-index.html"));

    assertThat(index.apiVersion()).isEqualTo("1.1");
    assertThat(index.projects()).containsExactly("0", "Django", "zope.interface", "no-text");
  }

  @Test
  void render_index_linksNormalizedNames() {
    ProjectIndex index =
        new ProjectIndex(
            "1.1", Map.of(), List.of("Django", "zope.interface", "..", "a<b"), Map.of());

    String html = string(SimpleHtml.render(index));

    assertThat(html)
        .contains("<meta name=\"pypi:repository-version\" content=\"1.4\">")
        .contains("<a href=\"django/\">Django</a><br>")
        .contains("<a href=\"zope-interface/\">zope.interface</a><br>")
        .doesNotContain("\"../\"")
        .doesNotContain("a<b")
        .doesNotContain("a&lt;b");
    assertThat(SimpleHtml.parseIndex(utf8(html)).projects())
        .containsExactly("Django", "zope.interface");
  }
}
