package dev.pypiguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The outcome of one {@code pip install --target} run by {@link PythonEnv}.
 *
 * @param exitCode the process exit code (-1 when timed out)
 * @param output stdout and stderr interleaved
 * @param target the {@code --target} directory the packages went to
 * @param timedOut whether the run hit its timeout and was killed
 * @param elapsed wall-clock duration of the run
 */
public record PipResult(
    int exitCode, String output, Path target, boolean timedOut, Duration elapsed) {

  /** Whether pip finished with exit code 0. */
  public boolean succeeded() {
    return !timedOut && exitCode == 0;
  }

  /** The {@code *.dist-info} directory names in the target, sorted. */
  public List<String> installedDistInfos() {
    if (!Files.isDirectory(target)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(target)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".dist-info"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Installed distributions as PEP 503 normalized name to version, read from the dist-info
   * directory names ({@code {name}-{version}.dist-info}, name escaped with {@code _}).
   */
  public Map<String, String> installedVersions() {
    Map<String, String> out = new TreeMap<>();
    for (String d : installedDistInfos()) {
      String stem = d.substring(0, d.length() - ".dist-info".length());
      int dash = stem.lastIndexOf('-');
      out.put(Names.normalize(stem.substring(0, dash)), stem.substring(dash + 1));
    }
    return out;
  }

  @Override
  public String toString() {
    return "PipResult[exit="
        + exitCode
        + (timedOut ? ", TIMED OUT" : "")
        + ", "
        + elapsed.toMillis()
        + " ms, target="
        + target
        + "]\n"
        + output;
  }
}
