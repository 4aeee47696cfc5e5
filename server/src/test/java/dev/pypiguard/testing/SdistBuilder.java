package dev.pypiguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * A builder of source distributions ({@code .tar.gz}, PEP 517/625) that build with the setuptools
 * backend, built in memory.
 *
 * <p>The archive holds {@code <name>-<version>/PKG-INFO}, {@code pyproject.toml} and the package.
 * {@link Artifact#metadata()} is the PKG-INFO file. Installing one with pip needs setuptools
 * reachable from the index (build isolation) or {@code --no-build-isolation}.
 */
public final class SdistBuilder {

  /** Fixed modification time (2020-01-01T00:00:00Z) so that builds are reproducible. */
  private static final long MTIME = 1_577_836_800L;

  private final String name;
  private final String version;
  private final List<String> requires = new ArrayList<>();
  private final Map<String, byte[]> extraFiles = new LinkedHashMap<>();
  private String packageName;
  private String initPy;
  private String requiresPython;
  private String summary;

  private SdistBuilder(String name, String version) {
    this.name = Objects.requireNonNull(name, "name");
    this.version = Objects.requireNonNull(version, "version");
    this.packageName = Names.fileEscape(name);
  }

  /** Starts an sdist for project {@code name} at {@code version}. */
  public static SdistBuilder of(String name, String version) {
    return new SdistBuilder(name, version);
  }

  /** Adds dependencies (PEP 508 strings). */
  public SdistBuilder requires(String... requirements) {
    requires.addAll(List.of(requirements));
    return this;
  }

  /** Sets {@code Requires-Python}. */
  public SdistBuilder requiresPython(String specifier) {
    this.requiresPython = specifier;
    return this;
  }

  /** Sets the {@code Summary} field. */
  public SdistBuilder summary(String text) {
    this.summary = text;
    return this;
  }

  /** Sets the import package name; defaults to the name with separators replaced by {@code _}. */
  public SdistBuilder packageName(String pkg) {
    this.packageName = Objects.requireNonNull(pkg);
    return this;
  }

  /** Sets the content of {@code <pkg>/__init__.py}; by default it defines {@code __version__}. */
  public SdistBuilder initPy(String content) {
    this.initPy = content;
    return this;
  }

  /** Adds a file at {@code path} relative to the sdist root directory. */
  public SdistBuilder file(String path, byte[] content) {
    extraFiles.put(path, content.clone());
    return this;
  }

  /** The sdist file name {@code {name}-{version}.tar.gz}, name escaped as PEP 625 asks. */
  public String filename() {
    return root() + ".tar.gz";
  }

  private String root() {
    return Names.fileEscape(name) + "-" + version;
  }

  /** Builds the sdist. */
  public Artifact build() {
    byte[] pkgInfo = CoreMetadata.render(name, version, summary, requiresPython, requires);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("PKG-INFO", pkgInfo);
    files.put("pyproject.toml", pyproject().getBytes(StandardCharsets.UTF_8));
    String init = initPy != null ? initPy : "__version__ = \"" + version + "\"\n";
    files.put(packageName + "/__init__.py", init.getBytes(StandardCharsets.UTF_8));
    files.putAll(extraFiles);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Tar.writeFile(gz, root() + "/" + f.getKey(), f.getValue(), MTIME);
      }
      Tar.finish(gz);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    return new Artifact(filename(), bytes, Digests.sha256Hex(bytes), pkgInfo, name, version);
  }

  private String pyproject() {
    StringBuilder sb = new StringBuilder();
    sb.append("[build-system]\n");
    sb.append("requires = [\"setuptools>=61\"]\n");
    sb.append("build-backend = \"setuptools.build_meta\"\n\n");
    sb.append("[project]\n");
    sb.append("name = ").append(toml(name)).append('\n');
    sb.append("version = ").append(toml(version)).append('\n');
    if (requiresPython != null) {
      sb.append("requires-python = ").append(toml(requiresPython)).append('\n');
    }
    sb.append("dependencies = [");
    for (int i = 0; i < requires.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(toml(requires.get(i)));
    }
    sb.append("]\n\n");
    sb.append("[tool.setuptools]\n");
    sb.append("packages = [").append(toml(packageName)).append("]\n");
    return sb.toString();
  }

  private static String toml(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** A minimal POSIX ustar writer: regular files only, which is all an sdist needs. */
  static final class Tar {
    private Tar() {}

    static void writeFile(OutputStream out, String path, byte[] data, long mtime)
        throws IOException {
      byte[] header = new byte[512];
      byte[] nameBytes = path.getBytes(StandardCharsets.UTF_8);
      String prefix = "";
      String shortName = path;
      if (nameBytes.length > 100) {
        // ustar splits long paths at a '/' into prefix (155) and name (100).
        int cut = path.lastIndexOf('/', 155);
        if (cut < 0 || path.length() - cut - 1 > 100) {
          throw new IllegalArgumentException("path too long for ustar: " + path);
        }
        prefix = path.substring(0, cut);
        shortName = path.substring(cut + 1);
      }
      put(header, 0, 100, shortName);
      put(header, 100, 8, octal(0644, 7));
      put(header, 108, 8, octal(0, 7));
      put(header, 116, 8, octal(0, 7));
      put(header, 124, 12, octal(data.length, 11));
      put(header, 136, 12, octal(mtime, 11));
      for (int i = 148; i < 156; i++) {
        header[i] = ' '; // checksum is computed with its own field as spaces
      }
      header[156] = '0';
      put(header, 257, 6, "ustar");
      put(header, 263, 2, "00");
      put(header, 345, 155, prefix);
      long sum = 0;
      for (byte b : header) {
        sum += b & 0xff;
      }
      put(header, 148, 8, octal(sum, 6) + "\0 ");
      out.write(header);
      out.write(data);
      int pad = (512 - data.length % 512) % 512;
      out.write(new byte[pad]);
    }

    static void finish(OutputStream out) throws IOException {
      out.write(new byte[1024]); // two zero blocks end the archive
    }

    private static String octal(long value, int digits) {
      String s = Long.toOctalString(value);
      return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static void put(byte[] header, int offset, int len, String value) {
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      if (b.length > len) {
        throw new IllegalArgumentException("field too long: " + value);
      }
      System.arraycopy(b, 0, header, offset, b.length);
    }
  }
}
