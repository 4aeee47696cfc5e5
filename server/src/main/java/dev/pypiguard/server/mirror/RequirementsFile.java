package dev.pypiguard.server.mirror;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.requirement.Requirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads pip requirements files: one PEP 508 specifier a line, {@code #} comments, {@code \}
 * continuations, {@code -r}/{@code --requirement} includes (relative to the including file), and
 * per-line {@code --hash=sha256:HEX} options. Index options ({@code -i}, {@code --extra-index-url},
 * {@code --pre} ...) are ignored: seeding always reads the proxy's index. Editable and URL
 * requirements cannot come from an index and are refused with file and line.
 */
final class RequirementsFile {
  /** Options that take a value and are meaningless for seeding. */
  private static final Set<String> IGNORED_WITH_VALUE =
      Set.of(
          "-i",
          "--index-url",
          "--extra-index-url",
          "-f",
          "--find-links",
          "--trusted-host",
          "--only-binary",
          "--no-binary",
          "--prefer-binary",
          "-c",
          "--constraint",
          "--use-feature");

  private static final Set<String> IGNORED_FLAGS =
      Set.of("--pre", "--no-index", "--require-hashes", "--prefer-binary");

  private RequirementsFile() {}

  /** Every requirement of {@code file} and the files it includes, in order. */
  static List<Requirement> read(Path file) {
    var out = new ArrayList<Requirement>();
    read(file.toAbsolutePath().normalize(), out, new HashSet<>());
    return out;
  }

  private static void read(Path file, List<Requirement> out, Set<Path> seen) {
    if (!seen.add(file)) {
      return; // an include cycle: each file is read once
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such requirements file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
    var logical = new StringBuilder();
    int startLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (logical.length() == 0) {
        startLine = i + 1;
      }
      if (line.endsWith("\\")) {
        logical.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      logical.append(line);
      String where = file + ":" + startLine;
      parseLine(stripComment(logical.toString()), where, file, out, seen);
      logical.setLength(0);
    }
    if (logical.length() > 0) {
      parseLine(stripComment(logical.toString()), file + ":" + startLine, file, out, seen);
    }
  }

  /** pip: a {@code #} at the line start or after whitespace begins a comment. */
  private static String stripComment(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static void parseLine(
      String line, String where, Path file, List<Requirement> out, Set<Path> seen) {
    String s = line.trim();
    if (s.isEmpty()) {
      return;
    }
    List<String> words = List.of(s.split("\\s+"));
    String first = words.get(0);
    if (first.startsWith("-")) {
      String opt = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
      String value =
          first.contains("=")
              ? first.substring(first.indexOf('=') + 1)
              : words.size() > 1 ? words.get(1) : "";
      if (opt.equals("-r") || opt.equals("--requirement")) {
        if (value.isEmpty()) {
          throw new ConfigException(where + ": " + opt + " needs a file name");
        }
        Path included = file.getParent() == null ? Path.of(value) : file.getParent().resolve(value);
        read(included.toAbsolutePath().normalize(), out, seen);
        return;
      }
      if (opt.equals("-e") || opt.equals("--editable")) {
        throw new ConfigException(where + ": editable requirements cannot be seeded from an index");
      }
      if (IGNORED_WITH_VALUE.contains(opt) || IGNORED_FLAGS.contains(opt)) {
        return;
      }
      throw new ConfigException(where + ": unsupported option " + opt);
    }
    // Split the requirement from its per-requirement options (--hash=...).
    int optAt = s.indexOf(" --");
    String spec = optAt < 0 ? s : s.substring(0, optAt);
    Set<String> hashes = new LinkedHashSet<>();
    if (optAt >= 0) {
      List<String> opts = List.of(s.substring(optAt).trim().split("\\s+"));
      for (int i = 0; i < opts.size(); i++) {
        String o = opts.get(i);
        String value;
        if (o.startsWith("--hash=")) {
          value = o.substring("--hash=".length());
        } else if (o.equals("--hash") && i + 1 < opts.size()) {
          value = opts.get(++i);
        } else {
          throw new ConfigException(where + ": unsupported option " + o);
        }
        int colon = value.indexOf(':');
        String algo = colon < 0 ? "" : value.substring(0, colon).toLowerCase(Locale.ROOT);
        String hex = colon < 0 ? "" : value.substring(colon + 1).toLowerCase(Locale.ROOT);
        if (!algo.equals("sha256") || !hex.matches("[0-9a-f]{64}")) {
          throw new ConfigException(
              where
                  + ": --hash "
                  + value
                  + " (expected: sha256:<64 hex digits>; other algorithms are not verified)");
        }
        hashes.add(hex);
      }
    }
    if (spec.contains("://") || spec.startsWith(".") || spec.startsWith("/")) {
      throw new ConfigException(
          where + ": \"" + spec + "\" is a URL or path; only index requirements can be seeded");
    }
    try {
      out.add(Requirement.parse(spec, where).withHashes(hashes));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ": " + e.getMessage());
    }
  }
}
