package dev.pypiguard.policy.inspection;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Reads a wheel (zip) or an sdist (tar.gz, tar.bz2, tar.xz, tar or zip) without executing or
 * extracting anything, and reports what the {@link Check}s see (README "Artifact inspection").
 *
 * <p>Bounded: at most {@link Limits#maxEntries} members, {@link Limits#maxUnpackedBytes} unpacked
 * (and no more than {@link Limits#maxRatio} times the file's size beyond 100 MiB), paths at most
 * {@link Limits#maxDepth} deep, and only the first {@link Limits#maxMemberBytes} of a text member
 * read, {@link Limits#maxTextBytes} in all; going beyond a bound is itself a finding ({@code
 * archive-bomb}) and ends the reading. A zip is read through its central directory, so a large
 * wheel costs its small members, not its size. Thread-safe and stateless.
 */
public final class Inspector {
  /** Changes when checks change, so that older stored inspections are done again. */
  public static final int VERSION = 1;

  private static final long RATIO_FLOOR = 100L << 20;
  private static final Pattern WHEEL_FILE = Pattern.compile("[^/]+\\.dist-info/WHEEL");
  private static final Pattern SDIST_MARKER =
      Pattern.compile("[^/]+/(?:PKG-INFO|setup\\.py|pyproject\\.toml)");
  private static final Set<String> HOOKS =
      Set.of("setup.py", "hatch_build.py", "build.py", "pdm_build.py");
  private static final Set<String> COMMANDS =
      Set.of(
          "git",
          "sudo",
          "su",
          "ls",
          "cd",
          "cp",
          "mv",
          "rm",
          "cat",
          "sh",
          "bash",
          "zsh",
          "dash",
          "ssh",
          "scp",
          "sftp",
          "curl",
          "wget",
          "apt",
          "apt-get",
          "yum",
          "dnf",
          "brew",
          "chmod",
          "chown",
          "kill",
          "ps",
          "grep",
          "find",
          "env",
          "which",
          "whoami",
          "passwd",
          "crontab",
          "systemctl",
          "openssl",
          "gpg",
          "tar",
          "make",
          "gcc",
          "cc",
          "node",
          "npm",
          "npx",
          "uv",
          "uvx",
          "id",
          "login",
          "mount",
          "nc",
          "ping");
  private static final Pattern INTERPRETER = Pattern.compile("(?:pip|python)[0-9.]*");

  /**
   * The bounds of one inspection.
   *
   * @param maxEntries members in an archive
   * @param maxUnpackedBytes the unpacked size of all members
   * @param maxDepth path components of a member
   * @param maxRatio unpacked over packed size, once beyond 100 MiB unpacked
   * @param maxMemberBytes what is read of one text member
   * @param maxTextBytes what is read of all text members
   */
  public record Limits(
      int maxEntries,
      long maxUnpackedBytes,
      int maxDepth,
      int maxRatio,
      long maxMemberBytes,
      long maxTextBytes) {
    /** 200,000 members, 16 GiB unpacked, 48 deep, ratio 200, 8 MiB a member, 256 MiB in all. */
    public static final Limits DEFAULTS =
        new Limits(200_000, 16L << 30, 48, 200, 8L << 20, 256L << 20);
  }

  private final Limits limits;

  public Inspector() {
    this(Limits.DEFAULTS);
  }

  public Inspector(Limits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /**
   * Inspects {@code file}; {@code filename} is its distribution file name when known (it decides
   * whether a wheel is tagged pure Python; without it, the wheel's WHEEL file does). A file that is
   * no archive at all is {@link Inspection.Kind#OTHER} with no findings, unless its name says it
   * should be one.
   *
   * @throws IOException when the file cannot be read (not when its content is bad)
   */
  public Inspection inspect(Path file, Optional<String> filename) throws IOException {
    byte[] head = new byte[512];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    long size = Files.size(file);
    Scan scan = new Scan(limits, size, filename);
    String lower = filename.map(f -> f.toLowerCase(Locale.ROOT)).orElse("");
    boolean archiveName =
        lower.endsWith(".whl")
            || lower.endsWith(".zip")
            || lower.contains(".tar")
            || lower.endsWith(".tgz");
    try {
      if (n >= 4
          && head[0] == 'P'
          && head[1] == 'K'
          && (head[2] == 3 || head[2] == 5)
          && (head[3] == 4 || head[3] == 6)) {
        zip(file, scan);
      } else if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
        tar(file, scan, Compression.GZIP);
      } else if (n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
        tar(file, scan, Compression.BZIP2);
      } else if (n >= 6
          && (head[0] & 0xff) == 0xfd
          && head[1] == '7'
          && head[2] == 'z'
          && head[3] == 'X'
          && head[4] == 'Z') {
        tar(file, scan, Compression.XZ);
      } else if (n >= 262
          && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
        tar(file, scan, Compression.NONE);
      } else if (archiveName) {
        scan.findings.add(Check.ARCHIVE_UNREADABLE.at("", "neither a zip nor a tar archive"));
      } else {
        return new Inspection(
            VERSION,
            Inspection.Kind.OTHER,
            Optional.empty(),
            Optional.empty(),
            false,
            false,
            List.of(),
            List.of());
      }
    } catch (Bomb b) {
      scan.findings.add(Check.ARCHIVE_BOMB.at(b.path, String.valueOf(b.getMessage())));
    } catch (ZipException | EOFException | IllegalArgumentException e) {
      scan.findings.add(
          Check.ARCHIVE_UNREADABLE.at("", "the archive is corrupt: " + e.getMessage()));
    } catch (IOException e) {
      if (!Files.isReadable(file)) {
        throw e;
      }
      // Commons Compress reports a malformed stream as a plain IOException.
      scan.findings.add(
          Check.ARCHIVE_UNREADABLE.at("", "the archive is corrupt: " + e.getMessage()));
    }
    return scan.result();
  }

  private enum Compression {
    NONE,
    GZIP,
    BZIP2,
    XZ
  }

  /** Going beyond a bound: stops the reading. */
  private static final class Bomb extends IOException {
    private static final long serialVersionUID = 1L;
    final String path;

    Bomb(String path, String message) {
      super(message);
      this.path = path;
    }
  }

  private void zip(Path file, Scan scan) throws IOException {
    try (ZipFile z = new ZipFile(file.toFile(), StandardCharsets.UTF_8)) {
      var entries = new ArrayList<ZipEntry>();
      long unpacked = 0;
      var names = new HashSet<String>();
      for (var e = z.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        if (entries.size() >= limits.maxEntries()) {
          throw new Bomb("", "more than " + limits.maxEntries() + " members");
        }
        entries.add(entry);
        unpacked += Math.max(0, entry.getSize());
        if (!names.add(entry.getName())) {
          scan.findings.add(
              Check.PATH_TRAVERSAL.at(
                  entry.getName(), "appears twice: which copy an installer takes is ambiguous"));
        }
      }
      scan.unpacked(unpacked, "");
      boolean wheel = names.stream().anyMatch(s -> WHEEL_FILE.matcher(s).matches());
      boolean sdist = !wheel && names.stream().anyMatch(s -> SDIST_MARKER.matcher(s).matches());
      scan.kind =
          wheel
              ? Inspection.Kind.WHEEL
              : sdist
                      || scan.filename
                          .map(f -> f.toLowerCase(Locale.ROOT).endsWith(".zip"))
                          .orElse(false)
                  ? Inspection.Kind.SDIST
                  : Inspection.Kind.OTHER;
      if (wheel) {
        // WHEEL first: whether the wheel is pure decides what its other members are checked for.
        for (ZipEntry e : entries) {
          if (WHEEL_FILE.matcher(e.getName()).matches()) {
            scan.wheelFile(scan.text(e.getName(), () -> z.getInputStream(e)));
            break;
          }
        }
      }
      for (ZipEntry e : entries) {
        scan.member(
            e.getName(),
            Math.max(0, e.getSize()),
            e.isDirectory(),
            Optional.empty(),
            () -> z.getInputStream(e));
      }
    }
  }

  private void tar(Path file, Scan scan, Compression c) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      InputStream decoded =
          switch (c) {
            case GZIP ->
                GzipCompressorInputStream.builder()
                    .setInputStream(raw)
                    .setDecompressConcatenated(true)
                    .get();
            case BZIP2 -> new BZip2CompressorInputStream(raw, true);
            case XZ ->
                XZCompressorInputStream.builder()
                    .setInputStream(raw)
                    .setDecompressConcatenated(true)
                    .get();
            case NONE -> raw;
          };
      var counted = new Counted(decoded, scan);
      scan.kind = Inspection.Kind.SDIST;
      boolean marker = false;
      try (var tar = new TarArchiveInputStream(counted, StandardCharsets.UTF_8.name())) {
        TarArchiveEntry e;
        int count = 0;
        while ((e = tar.getNextEntry()) != null) {
          if (++count > limits.maxEntries()) {
            throw new Bomb("", "more than " + limits.maxEntries() + " members");
          }
          String name = e.getName();
          marker |= SDIST_MARKER.matcher(stripDot(name)).matches();
          if (e.isSymbolicLink() || e.isLink()) {
            scan.link(name, e.getLinkName(), e.isSymbolicLink());
            continue;
          }
          if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            scan.findings.add(
                Check.PATH_TRAVERSAL.at(name, "a device or pipe, which an sdist never holds"));
            continue;
          }
          final var stream = tar;
          scan.member(
              name,
              Math.max(0, e.getSize()),
              e.isDirectory(),
              Optional.empty(),
              () -> new Unclosed(stream));
        }
      }
      if (!marker && scan.filename.isEmpty()) {
        scan.kind = Inspection.Kind.OTHER;
      }
    }
  }

  /** {@code ./pkg-1.0/setup.py} is {@code pkg-1.0/setup.py}. */
  static String stripDot(String name) {
    String n = name.replace('\\', '/');
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  /** Counts the unpacked bytes of a tar stream, stopping it beyond the bounds. */
  private static final class Counted extends FilterInputStream {
    private final Scan scan;
    private long count;

    Counted(InputStream in, Scan scan) {
      super(in);
      this.scan = scan;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) throws Bomb {
      count += n;
      scan.unpacked(count, "");
    }
  }

  /** A member's stream, which the caller may close without closing the archive. */
  private static final class Unclosed extends FilterInputStream {
    Unclosed(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }

  interface Opener {
    InputStream open() throws IOException;
  }

  /** One inspection in progress. */
  private static final class Scan {
    final Limits limits;
    final long packed;
    final Optional<String> filename;
    final List<Finding> findings = new ArrayList<>();
    Inspection.Kind kind = Inspection.Kind.OTHER;
    Optional<String> name = Optional.empty();
    Optional<String> version = Optional.empty();
    boolean installHook;
    boolean nativeCode;
    boolean pure;
    boolean metadata;
    long textRead;

    Scan(Limits limits, long packed, Optional<String> filename) {
      this.limits = limits;
      this.packed = packed;
      this.filename = filename;
    }

    void unpacked(long bytes, String path) throws Bomb {
      if (bytes > limits.maxUnpackedBytes()) {
        throw new Bomb(path, "unpacks to more than " + limits.maxUnpackedBytes() + " bytes");
      }
      if (bytes > RATIO_FLOOR && bytes / Math.max(1, packed) > limits.maxRatio()) {
        throw new Bomb(
            path,
            "unpacks to "
                + bytes
                + " bytes from "
                + packed
                + ", more than "
                + limits.maxRatio()
                + " times its size");
      }
    }

    String text(String path, Opener open) throws IOException {
      long budget = Math.min(limits.maxMemberBytes(), limits.maxTextBytes() - textRead);
      if (budget <= 0) {
        return "";
      }
      try (InputStream in = open.open()) {
        byte[] b = in.readNBytes((int) budget);
        textRead += b.length;
        return new String(b, StandardCharsets.UTF_8);
      }
    }

    void wheelFile(String text) {
      boolean purelib = false;
      var tags = new ArrayList<String>();
      for (String line : text.split("\r?\n")) {
        int c = line.indexOf(':');
        if (c < 0) {
          continue;
        }
        String k = line.substring(0, c).strip();
        String v = line.substring(c + 1).strip();
        if (k.equalsIgnoreCase("Root-Is-Purelib")) {
          purelib = v.equalsIgnoreCase("true");
        } else if (k.equalsIgnoreCase("Tag")) {
          tags.add(v.toLowerCase(Locale.ROOT));
        }
      }
      // The file name's tags are what installers match; WHEEL's when the name is not known.
      Optional<List<String>> named = filename.filter(f -> f.endsWith(".whl")).map(Scan::nameTags);
      List<String> t = named.filter(l -> !l.isEmpty()).orElse(tags);
      pure =
          !t.isEmpty()
              && t.stream().allMatch(s -> s.endsWith("-none-any"))
              && (purelib || named.isPresent());
    }

    static List<String> nameTags(String wheel) {
      String[] p = wheel.substring(0, wheel.length() - 4).split("-");
      if (p.length < 5) {
        return List.of();
      }
      var out = new ArrayList<String>();
      for (String py : p[p.length - 3].split("\\.")) {
        for (String abi : p[p.length - 2].split("\\.")) {
          for (String plat : p[p.length - 1].split("\\.")) {
            out.add((py + "-" + abi + "-" + plat).toLowerCase(Locale.ROOT));
          }
        }
      }
      return out;
    }

    /** Depth and traversal checks of a member name; false when it must not be read. */
    boolean pathOk(String raw) throws Bomb {
      String n = raw.replace('\\', '/');
      if (n.startsWith("/")
          || (n.length() > 1 && n.charAt(1) == ':' && Character.isLetter(n.charAt(0)))) {
        findings.add(Check.PATH_TRAVERSAL.at(raw, "an absolute path"));
        return false;
      }
      int depth = 0;
      for (String part : n.split("/")) {
        if (part.equals("..")) {
          findings.add(Check.PATH_TRAVERSAL.at(raw, "climbs out of the archive with .."));
          return false;
        }
        if (!part.isEmpty() && !part.equals(".")) {
          depth++;
        }
      }
      if (depth > limits.maxDepth()) {
        throw new Bomb(
            raw, "nested " + depth + " directories deep, more than " + limits.maxDepth());
      }
      return true;
    }

    void link(String name, String target, boolean symbolic) throws Bomb {
      if (!pathOk(name)) {
        return;
      }
      String t = target.replace('\\', '/');
      if (t.startsWith("/") || (t.length() > 1 && t.charAt(1) == ':')) {
        findings.add(Check.PATH_TRAVERSAL.at(name, "links to the absolute path " + target));
        return;
      }
      // A symbolic link resolves from its own directory, a hard link from the archive's root.
      var stack = new ArrayDeque<String>();
      if (symbolic) {
        String[] parts = stripDot(name).split("/");
        for (int i = 0; i < parts.length - 1; i++) {
          if (!parts[i].isEmpty() && !parts[i].equals(".")) {
            stack.push(parts[i]);
          }
        }
      }
      for (String part : t.split("/")) {
        if (part.equals("..")) {
          if (stack.isEmpty()) {
            findings.add(Check.PATH_TRAVERSAL.at(name, "links outside the archive to " + target));
            return;
          }
          stack.pop();
        } else if (!part.isEmpty() && !part.equals(".")) {
          stack.push(part);
        }
      }
    }

    void member(String raw, long size, boolean directory, Optional<String> unused, Opener open)
        throws IOException {
      if (!pathOk(raw) || directory) {
        return;
      }
      String name = stripDot(raw);
      String[] parts = name.split("/");
      String base = parts[parts.length - 1];
      String lower = base.toLowerCase(Locale.ROOT);
      int depth = parts.length;
      if (kind == Inspection.Kind.WHEEL) {
        wheelMember(name, parts, base, lower, depth, open);
      } else {
        sdistMember(name, parts, base, lower, depth, open);
      }
    }

    private void wheelMember(
        String name, String[] parts, String base, String lower, int depth, Opener open)
        throws IOException {
      boolean distInfo = depth == 2 && parts[0].endsWith(".dist-info");
      if (distInfo && base.equals("METADATA")) {
        metadata(text(name, open));
        return;
      }
      if (distInfo && base.equals("entry_points.txt")) {
        entryPoints(name, text(name, open));
        return;
      }
      boolean dataDir = depth >= 3 && parts[0].endsWith(".data");
      if (dataDir && parts[1].equals("scripts") && depth == 3) {
        shadow(name, base);
      }
      // A .pth runs only from site-packages itself: the wheel's root, or .data/purelib|platlib.
      boolean sitePth =
          lower.endsWith(".pth")
              && (depth == 1
                  || (dataDir
                      && depth == 3
                      && (parts[1].equals("purelib") || parts[1].equals("platlib"))));
      if (sitePth) {
        installHook |= PythonText.pth(name, text(name, open), true, findings);
        return;
      }
      if (lower.endsWith(".py")) {
        PythonText.module(name, text(name, open), findings);
        return;
      }
      if (nativeName(lower)) {
        nativeCode = true;
        if (pure) {
          findings.add(
              Check.NATIVE_IN_PURE.at(
                  name, "a native library or program, but the wheel is tagged pure Python"));
        }
        return;
      }
      if (pure) {
        byte[] head;
        try (InputStream in = open.open()) {
          head = in.readNBytes(4);
        }
        Optional<String> magic = nativeMagic(head);
        if (magic.isPresent()) {
          nativeCode = true;
          findings.add(
              Check.NATIVE_IN_PURE.at(
                  name, "a " + magic.get() + " binary, but the wheel is tagged pure Python"));
        } else if (archiveName(lower)
            || (head.length == 4
                && head[0] == 'P'
                && head[1] == 'K'
                && head[2] == 3
                && head[3] == 4)) {
          findings.add(
              Check.ARCHIVE_IN_PURE.at(name, "an archive inside a wheel tagged pure Python"));
        }
      }
    }

    private void sdistMember(
        String name, String[] parts, String base, String lower, int depth, Opener open)
        throws IOException {
      if (depth == 2 && base.equals("PKG-INFO")) {
        metadata(text(name, open));
        return;
      }
      if (depth == 2 && base.equals("pyproject.toml")) {
        pyprojectScripts(name, text(name, open));
        return;
      }
      if (depth <= 4 && name.endsWith(".egg-info/entry_points.txt")) {
        entryPoints(name, text(name, open));
        return;
      }
      if (depth == 2 && HOOKS.contains(base)) {
        installHook = true;
        PythonText.hook(name, text(name, open), findings);
        return;
      }
      if (lower.endsWith(".pth")) {
        // Inert unless a build installs it; only code that decodes, spawns or connects counts.
        PythonText.pth(name, text(name, open), false, findings);
        return;
      }
      if (lower.endsWith(".py")) {
        PythonText.module(name, text(name, open), findings);
        return;
      }
      if (nativeName(lower)) {
        nativeCode = true;
      }
    }

    void metadata(String text) {
      metadata = true;
      for (String line : text.split("\r?\n")) {
        if (line.isEmpty()) {
          break;
        }
        if (name.isEmpty() && line.regionMatches(true, 0, "Name:", 0, 5)) {
          name = Optional.of(line.substring(5).strip());
        } else if (version.isEmpty() && line.regionMatches(true, 0, "Version:", 0, 8)) {
          version = Optional.of(line.substring(8).strip());
        }
      }
    }

    void entryPoints(String path, String text) {
      String section = "";
      for (String line : text.split("\r?\n")) {
        String l = line.strip();
        if (l.startsWith("[")) {
          section = l;
        } else if ((section.equals("[console_scripts]") || section.equals("[gui_scripts]"))
            && l.contains("=")) {
          shadow(path, l.substring(0, l.indexOf('=')).strip());
        }
      }
    }

    void pyprojectScripts(String path, String text) {
      boolean in = false;
      for (String line : text.split("\r?\n")) {
        String l = line.strip();
        if (l.startsWith("[")) {
          in = l.equals("[project.scripts]") || l.equals("[project.gui-scripts]");
        } else if (in && l.contains("=")) {
          shadow(path, l.substring(0, l.indexOf('=')).strip().replace("\"", "").replace("'", ""));
        }
      }
    }

    /** Commands named like the interpreter, pip, or a system command (pip's own are pip's). */
    void shadow(String path, String command) {
      String c = command.toLowerCase(Locale.ROOT);
      if (c.endsWith(".exe")) {
        c = c.substring(0, c.length() - 4);
      }
      if (COMMANDS.contains(c) || INTERPRETER.matcher(c).matches()) {
        shadows.add(new Inspection.Command(path, command));
      }
    }

    /** Commands seen that shadow common ones, judged once the project's name is known. */
    final List<Inspection.Command> shadows = new ArrayList<>();

    static boolean nativeName(String lower) {
      return lower.endsWith(".so")
          || lower.contains(".so.")
          || lower.endsWith(".pyd")
          || lower.endsWith(".dll")
          || lower.endsWith(".dylib")
          || lower.endsWith(".exe");
    }

    static boolean archiveName(String lower) {
      return lower.endsWith(".whl")
          || lower.endsWith(".zip")
          || lower.endsWith(".egg")
          || lower.endsWith(".jar")
          || lower.endsWith(".tar")
          || lower.endsWith(".tgz")
          || lower.endsWith(".tar.gz")
          || lower.endsWith(".tar.bz2")
          || lower.endsWith(".tar.xz")
          || lower.endsWith(".7z")
          || lower.endsWith(".rar");
    }

    static Optional<String> nativeMagic(byte[] h) {
      if (h.length < 4) {
        return h.length >= 2 && h[0] == 'M' && h[1] == 'Z'
            ? Optional.of("Windows (PE)")
            : Optional.empty();
      }
      int b0 = h[0] & 0xff;
      int b1 = h[1] & 0xff;
      int b2 = h[2] & 0xff;
      int b3 = h[3] & 0xff;
      if (b0 == 0x7f && b1 == 'E' && b2 == 'L' && b3 == 'F') {
        return Optional.of("ELF");
      }
      if ((b0 == 0xcf || b0 == 0xce) && b1 == 0xfa && b2 == 0xed && b3 == 0xfe) {
        return Optional.of("Mach-O");
      }
      if (b0 == 0xca && b1 == 0xfe && b2 == 0xba && b3 == 0xbe) {
        return Optional.of("Mach-O universal");
      }
      if (b0 == 'M' && b1 == 'Z') {
        return Optional.of("Windows (PE)");
      }
      return Optional.empty();
    }

    Inspection result() {
      if (kind != Inspection.Kind.OTHER
          && !metadata
          && findings.stream().noneMatch(f -> f.rule().startsWith("archive-"))) {
        findings.add(
            Check.METADATA_MISSING.at(
                "",
                kind == Inspection.Kind.WHEEL
                    ? "the wheel has no .dist-info/METADATA"
                    : "the sdist has no PKG-INFO"));
      }
      return new Inspection(
          VERSION, kind, name, version, installHook, nativeCode, findings, shadows);
    }
  }
}
