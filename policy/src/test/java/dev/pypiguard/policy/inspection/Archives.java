package dev.pypiguard.policy.inspection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Crafted wheels and sdists for the inspection tests, built in memory. */
final class Archives {
  private final Map<String, byte[]> members = new LinkedHashMap<>();
  private final Map<String, String> links = new LinkedHashMap<>();

  static Archives wheel(String name, String version, String tag) {
    var a = new Archives();
    String di = name + "-" + version + ".dist-info/";
    a.add(
        di + "METADATA",
        "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nA package.\n");
    a.add(
        di + "WHEEL",
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: "
            + tag.endsWith("none-any")
            + "\nTag: "
            + tag
            + "\n");
    a.add(name + "/__init__.py", "__version__ = '" + version + "'\n");
    return a;
  }

  static Archives sdist(String name, String version) {
    var a = new Archives();
    String top = name + "-" + version + "/";
    a.add(
        top + "PKG-INFO", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
    a.add(top + "pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\n");
    a.add(top + name + "/__init__.py", "x = 1\n");
    return a;
  }

  Archives add(String path, String text) {
    return add(path, text.getBytes(StandardCharsets.UTF_8));
  }

  Archives add(String path, byte[] bytes) {
    members.put(path, bytes);
    return this;
  }

  Archives link(String path, String target) {
    links.put(path, target);
    return this;
  }

  Path zip(Path dir, String filename) throws IOException {
    Path p = dir.resolve(filename);
    try (var z = new ZipOutputStream(Files.newOutputStream(p))) {
      for (var e : members.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return p;
  }

  Path tarGz(Path dir, String filename) throws IOException {
    Path p = dir.resolve(filename);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p));
        var tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var e : members.entrySet()) {
        var entry = new TarArchiveEntry(e.getKey(), true);
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
      for (var e : links.entrySet()) {
        var entry = new TarArchiveEntry(e.getKey(), TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(e.getValue());
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
    }
    return p;
  }

  /** {@code n} bytes of zeros, gzipped: a bomb's payload. */
  static byte[] zeros(long n) throws IOException {
    var b = new ByteArrayOutputStream();
    try (var g = new GZIPOutputStream(b)) {
      byte[] chunk = new byte[1 << 16];
      for (long w = 0; w < n; w += chunk.length) {
        g.write(chunk, 0, (int) Math.min(chunk.length, n - w));
      }
    }
    return b.toByteArray();
  }
}
