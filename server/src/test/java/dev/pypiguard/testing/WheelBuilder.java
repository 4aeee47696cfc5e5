package dev.pypiguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A builder of real, installable pure-Python wheels (PEP 427, binary distribution format), built in
 * memory.
 *
 * <p>The output is deterministic: the same inputs give the same bytes and hash, because entry times
 * are fixed. Example:
 *
 * <pre>{@code
 * Artifact alpha = WheelBuilder.of("alpha", "1.0").requires("beta>=1.0").build();
 * }</pre>
 */
public final class WheelBuilder {

  /** Fixed zip entry time (2020-01-01T00:00:00Z) so that builds are reproducible. */
  private static final long ENTRY_TIME = 1_577_836_800_000L;

  /** Chunk size for generated data; a multiple of 4 so that Random.nextBytes never drops bytes. */
  private static final int CHUNK = 64 * 1024;

  private final String name;
  private final String version;
  private final List<String> requires = new ArrayList<>();
  private final List<String> tags = new ArrayList<>(List.of("py3-none-any"));
  private final Map<String, byte[]> extraFiles = new LinkedHashMap<>();
  private String packageName;
  private String initPy;
  private String requiresPython;
  private String summary;
  private String largePath;
  private long largeSize;
  private long largeSeed;

  private WheelBuilder(String name, String version) {
    this.name = Objects.requireNonNull(name, "name");
    this.version = Objects.requireNonNull(version, "version");
    this.packageName = Names.fileEscape(name);
  }

  /** Starts a wheel for project {@code name} at {@code version}. */
  public static WheelBuilder of(String name, String version) {
    return new WheelBuilder(name, version);
  }

  /**
   * A wheel whose package holds an incompressible data file of {@code dataBytes} bytes generated
   * from a seeded random stream, for streaming tests. The wheel is a little larger than {@code
   * dataBytes}.
   */
  public static Artifact large(String name, String version, int dataBytes, long seed) {
    return of(name, version).largeDataFile("blob.bin", dataBytes, seed).build();
  }

  /** Adds {@code Requires-Dist} entries (PEP 508 strings). */
  public WheelBuilder requires(String... requirements) {
    requires.addAll(List.of(requirements));
    return this;
  }

  /** Sets {@code Requires-Python} in the metadata (and, by default, on the index page). */
  public WheelBuilder requiresPython(String specifier) {
    this.requiresPython = specifier;
    return this;
  }

  /** Sets the {@code Summary} field. */
  public WheelBuilder summary(String text) {
    this.summary = text;
    return this;
  }

  /** Sets the import package name; defaults to the name with separators replaced by {@code _}. */
  public WheelBuilder packageName(String pkg) {
    this.packageName = Objects.requireNonNull(pkg);
    return this;
  }

  /** Sets the content of {@code <pkg>/__init__.py}; by default it defines {@code __version__}. */
  public WheelBuilder initPy(String content) {
    this.initPy = content;
    return this;
  }

  /**
   * Replaces the compatibility tags ({@code python-abi-platform}, PEP 425). Each becomes a {@code
   * Tag:} line in WHEEL; the file name uses the compressed tag set.
   */
  public WheelBuilder tags(String... newTags) {
    if (newTags.length == 0) {
      throw new IllegalArgumentException("a wheel needs at least one tag");
    }
    for (String t : newTags) {
      if (t.split("-").length != 3) {
        throw new IllegalArgumentException("tag must be python-abi-platform: " + t);
      }
    }
    tags.clear();
    tags.addAll(List.of(newTags));
    return this;
  }

  /** Adds a file at {@code path} (relative to the wheel root, e.g. {@code alpha/data.txt}). */
  public WheelBuilder file(String path, byte[] content) {
    extraFiles.put(path, content.clone());
    return this;
  }

  /**
   * Adds an incompressible file {@code <pkg>/<fileName>} of {@code size} bytes from a seeded random
   * stream. It is stored uncompressed and streamed into the zip, so only the finished wheel is held
   * in memory.
   */
  public WheelBuilder largeDataFile(String fileName, long size, long seed) {
    if (size < 0 || size > Integer.MAX_VALUE - (1 << 20)) {
      throw new IllegalArgumentException("size out of range: " + size);
    }
    this.largePath = fileName;
    this.largeSize = size;
    this.largeSeed = seed;
    return this;
  }

  /** The wheel file name: {@code {name}-{version}-{python}-{abi}-{platform}.whl}. */
  public String filename() {
    return Names.fileEscape(name) + "-" + version + "-" + compressedTag() + ".whl";
  }

  /** Builds the wheel. */
  public Artifact build() {
    String distInfo = Names.fileEscape(name) + "-" + version + ".dist-info";
    byte[] metadata = CoreMetadata.render(name, version, summary, requiresPython, requires);
    Map<String, byte[]> files = new LinkedHashMap<>();
    String init = initPy != null ? initPy : "__version__ = \"" + version + "\"\n";
    files.put(packageName + "/__init__.py", init.getBytes(StandardCharsets.UTF_8));
    files.putAll(extraFiles);

    StringBuilder record = new StringBuilder();
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, largeSize + 64 * 1024));
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        writeDeflated(zip, f.getKey(), f.getValue(), record);
      }
      if (largePath != null) {
        writeGenerated(zip, packageName + "/" + largePath, record);
      }
      // dist-info last: the spec recommends it so that installers find files before metadata.
      writeDeflated(zip, distInfo + "/METADATA", metadata, record);
      writeDeflated(zip, distInfo + "/WHEEL", wheelFile(), record);
      // RECORD lists itself with empty hash and size (PEP 376).
      String recordPath = distInfo + "/RECORD";
      record.append(recordPath).append(",,\n");
      writeDeflated(zip, recordPath, record.toString().getBytes(StandardCharsets.UTF_8), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    return new Artifact(filename(), bytes, Digests.sha256Hex(bytes), metadata, name, version);
  }

  private byte[] wheelFile() {
    StringBuilder sb = new StringBuilder();
    sb.append("Wheel-Version: 1.0\n");
    sb.append("Generator: pypi-guard-testkit (0.1)\n");
    sb.append("Root-Is-Purelib: true\n");
    for (String t : tags) {
      sb.append("Tag: ").append(t).append('\n');
    }
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** PEP 425 compressed tag set: each component's distinct values joined by dots. */
  private String compressedTag() {
    List<Set<String>> parts =
        List.of(new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
    for (String t : tags) {
      String[] p = t.split("-");
      for (int i = 0; i < 3; i++) {
        parts.get(i).add(p[i]);
      }
    }
    return String.join(".", parts.get(0))
        + "-"
        + String.join(".", parts.get(1))
        + "-"
        + String.join(".", parts.get(2));
  }

  private static void writeDeflated(
      ZipOutputStream zip, String path, byte[] data, StringBuilder record) throws IOException {
    ZipEntry e = new ZipEntry(path);
    e.setTime(ENTRY_TIME);
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
    if (record != null) {
      record
          .append(path)
          .append(',')
          .append(Digests.recordHash(Digests.sha256().digest(data)))
          .append(',')
          .append(data.length)
          .append('\n');
    }
  }

  /**
   * Writes the generated file STORED: a first pass over the seeded stream computes CRC-32 and
   * SHA-256 (STORED entries need the CRC up front), a second identical pass writes the bytes.
   */
  private void writeGenerated(ZipOutputStream zip, String path, StringBuilder record)
      throws IOException {
    CRC32 crc = new CRC32();
    MessageDigest sha = Digests.sha256();
    generate(
        chunk -> {
          crc.update(chunk);
          sha.update(chunk);
        });
    ZipEntry e = new ZipEntry(path);
    e.setTime(ENTRY_TIME);
    e.setMethod(ZipEntry.STORED);
    e.setSize(largeSize);
    e.setCompressedSize(largeSize);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    IOException[] failure = new IOException[1];
    generate(
        chunk -> {
          try {
            zip.write(chunk);
          } catch (IOException ex) {
            failure[0] = ex;
          }
        });
    if (failure[0] != null) {
      throw failure[0];
    }
    zip.closeEntry();
    record
        .append(path)
        .append(',')
        .append(Digests.recordHash(sha.digest()))
        .append(',')
        .append(largeSize)
        .append('\n');
  }

  private void generate(java.util.function.Consumer<byte[]> sink) {
    Random random = new Random(largeSeed);
    byte[] buf = new byte[CHUNK];
    long left = largeSize;
    while (left > 0) {
      int n = (int) Math.min(CHUNK, left);
      byte[] chunk = n == CHUNK ? buf : new byte[n];
      random.nextBytes(chunk);
      sink.accept(chunk);
      left -= n;
    }
  }
}
