package dev.pypiguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class WheelBuilderTest {

  private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  @Test
  void build_wheelWithDependency_recordHashesAndSizesMatchEveryEntry() throws IOException {
    Artifact a = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").build();

    Map<String, byte[]> entries = unzip(a.bytes());
    String record = new String(entries.get("alpha-1.0.dist-info/RECORD"), StandardCharsets.UTF_8);
    List<String> listed = new ArrayList<>();
    for (String line : record.split("\n")) {
      String[] f = line.split(",", -1);
      listed.add(f[0]);
      if (f[0].endsWith("/RECORD")) {
        assertThat(f[1]).isEmpty();
        assertThat(f[2]).isEmpty();
        continue;
      }
      byte[] data = entries.get(f[0]);
      String expected =
          "sha256="
              + Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(Digests.sha256().digest(data));
      assertThat(f[1]).as(f[0]).isEqualTo(expected);
      assertThat(f[1].substring(7)).as("no base64 padding").doesNotContain("=");
      assertThat(Integer.parseInt(f[2])).as(f[0]).isEqualTo(data.length);
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(entries.keySet());
    assertThat(a.sha256()).isEqualTo(Digests.sha256Hex(a.bytes()));
  }

  @Test
  void build_defaults_metadataWheelFileAndInitFollowTheSpec() throws IOException {
    Artifact a =
        WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").requiresPython(">=3.8").build();

    Map<String, byte[]> entries = unzip(a.bytes());
    String metadata =
        new String(entries.get("alpha-1.0.dist-info/METADATA"), StandardCharsets.UTF_8);
    assertThat(metadata)
        .startsWith("Metadata-Version: 2.1\n")
        .contains(
            "Name: alpha\n",
            "Version: 1.0\n",
            "Requires-Dist: beta>=1.0\n",
            "Requires-Python: >=3.8\n");
    assertThat(a.metadata()).isEqualTo(entries.get("alpha-1.0.dist-info/METADATA"));
    assertThat(new String(entries.get("alpha-1.0.dist-info/WHEEL"), StandardCharsets.UTF_8))
        .contains(
            "Wheel-Version: 1.0\n",
            "Generator: ",
            "Root-Is-Purelib: true\n",
            "Tag: py3-none-any\n");
    assertThat(new String(entries.get("alpha/__init__.py"), StandardCharsets.UTF_8))
        .isEqualTo("__version__ = \"1.0\"\n");
    assertThat(a.requiresPython()).contains(">=3.8");
    assertThat(a.filename()).isEqualTo("alpha-1.0-py3-none-any.whl");
  }

  @Test
  void filename_unnormalizedNameAndSeveralTags_escapesNameAndCompressesTags() {
    Artifact a =
        WheelBuilder.of("My.Cool-Package", "2.0").tags("py2-none-any", "py3-none-any").build();

    assertThat(a.filename()).isEqualTo("my_cool_package-2.0-py2.py3-none-any.whl");
    assertThat(a.normalizedProject()).isEqualTo("my-cool-package");
    assertThat(a.project()).isEqualTo("My.Cool-Package");
  }

  @Test
  void build_sameInputsTwice_identicalBytes() {
    assertThat(WheelBuilder.of("alpha", "1.0").build().sha256())
        .isEqualTo(WheelBuilder.of("alpha", "1.0").build().sha256());
  }

  @Test
  void large_fiveMegabytes_holdsIncompressibleDataOfExactSize() throws IOException {
    int size = 5 * 1024 * 1024 + 3;
    Artifact a = WheelBuilder.large("big", "1.0", size, 42);

    assertThat(a.size()).isGreaterThan(size);
    Map<String, byte[]> entries = unzip(a.bytes());
    assertThat(entries.get("big/blob.bin")).hasSize(size);
    assertThat(WheelBuilder.large("big", "1.0", size, 42).sha256()).isEqualTo(a.sha256());
    assertThat(WheelBuilder.large("big", "1.0", size, 43).sha256()).isNotEqualTo(a.sha256());
    String record = new String(entries.get("big-1.0.dist-info/RECORD"), StandardCharsets.UTF_8);
    assertThat(record)
        .contains(
            "big/blob.bin,"
                + Digests.recordHash(Digests.sha256().digest(entries.get("big/blob.bin")))
                + ","
                + size);
  }

  @Test
  void ofBytes_wheelLikeName_derivesProjectAndVersion() {
    Artifact a = Artifact.ofBytes("gamma_x-3.1-py3-none-any.whl", new byte[] {1, 2, 3});
    Artifact blob = Artifact.randomBlob("data.bin", 1000, 1);

    assertThat(a.project()).isEqualTo("gamma_x");
    assertThat(a.version()).isEqualTo("3.1");
    assertThat(a.hasMetadata()).isFalse();
    assertThat(blob.size()).isEqualTo(1000);
    assertThat(blob.version()).isEmpty();
  }

  @Test
  void sdist_build_isTarGzWithPkgInfoPyprojectAndPackage() throws IOException {
    Artifact s =
        SdistBuilder.of("Beta.Lib", "1.0").requires("gamma").requiresPython(">=3.8").build();

    assertThat(s.filename()).isEqualTo("beta_lib-1.0.tar.gz");
    byte[] tar;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(s.bytes()))) {
      tar = in.readAllBytes();
    }
    Map<String, String> files = new LinkedHashMap<>();
    for (int off = 0; off + 512 <= tar.length; ) {
      String name = new String(tar, off, 100, StandardCharsets.UTF_8).replace("\0", "");
      if (name.isEmpty()) {
        break;
      }
      int size = Integer.parseInt(new String(tar, off + 124, 11, StandardCharsets.US_ASCII), 8);
      assertThat(new String(tar, off + 257, 5, StandardCharsets.US_ASCII)).isEqualTo("ustar");
      files.put(name, new String(tar, off + 512, size, StandardCharsets.UTF_8));
      off += 512 + (size + 511) / 512 * 512;
    }
    assertThat(files)
        .containsOnlyKeys(
            "beta_lib-1.0/PKG-INFO",
            "beta_lib-1.0/pyproject.toml",
            "beta_lib-1.0/beta_lib/__init__.py");
    assertThat(files.get("beta_lib-1.0/PKG-INFO"))
        .contains("Name: Beta.Lib", "Requires-Dist: gamma");
    assertThat(files.get("beta_lib-1.0/pyproject.toml"))
        .contains("build-backend = \"setuptools.build_meta\"", "dependencies = [\"gamma\"]");
    assertThat(s.metadata())
        .isEqualTo(files.get("beta_lib-1.0/PKG-INFO").getBytes(StandardCharsets.UTF_8));
  }
}
