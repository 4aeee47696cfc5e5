package dev.pypiguard.policy.advisory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A directory tree of OSV records, one per {@code .json}, {@code .yaml} or {@code .yml} file, in
 * any layout: the PyPA advisory database ({@code vulns/<project>/PYSEC-*.yaml}), GitHub's ({@code
 * advisories/github-reviewed/YYYY/MM/GHSA-*}/*.json}), OpenSSF malicious-packages, or an unpacked
 * OSV export. Hidden directories ({@code .git}) are skipped.
 *
 * @param root the directory
 */
public record OsvDirectorySource(Path root) implements AdvisorySource {
  public OsvDirectorySource {
    Objects.requireNonNull(root, "root");
  }

  /** Reads every record; a malformed one is skipped with a log line naming its file. */
  public List<Advisory> load() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException(root + ": not a directory");
    }
    var parser = new OsvParser();
    var out = new ArrayList<Advisory>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (Files.isRegularFile(f)
            && OsvParser.isRecordName(f.getFileName().toString())
            && !hidden(f)) {
          if (Files.size(f) > OsvZipSource.MAX_RECORD_BYTES) {
            throw new IOException(
                f
                    + " is larger than "
                    + OsvZipSource.MAX_RECORD_BYTES
                    + " bytes: not an OSV record");
          }
          parser.parse(f.toString(), Files.readAllBytes(f)).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  private boolean hidden(Path f) {
    for (Path p : root.relativize(f)) {
      if (p.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String describe() {
    return root.toString();
  }
}
