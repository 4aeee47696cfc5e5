package dev.pypiguard.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which packages of a source tree lack a {@code package-info.java} with a javadoc paragraph and
 * JSpecify's {@code @NullMarked}. NullAway checks only null-marked packages, so a package created
 * without one would silently escape it; each module's {@code NullMarkedPackagesTest} fails then,
 * naming the file to add. Shared through proxy-core's test-jar.
 */
public final class PackageInfos {
  private PackageInfos() {}

  /** The main sources of the module under test ({@code src/main/java} of surefire's basedir). */
  public static Path mainSources() {
    return Path.of(System.getProperty("basedir", "."))
        .resolve("src")
        .resolve("main")
        .resolve("java");
  }

  /** One line per package directory under {@code root} whose package-info is missing or lacking. */
  public static List<String> problems(Path root) {
    List<String> problems = new ArrayList<>();
    List<Path> dirs;
    try (Stream<Path> walk = Files.walk(root)) {
      dirs = walk.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path dir : dirs) {
      boolean hasTypes;
      try (Stream<Path> files = Files.list(dir)) {
        hasTypes =
            files.anyMatch(
                f ->
                    f.getFileName().toString().endsWith(".java")
                        && !f.getFileName().toString().equals("package-info.java"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!hasTypes) {
        continue;
      }
      Path info = dir.resolve("package-info.java");
      String pkg = root.relativize(dir).toString().replace(java.io.File.separatorChar, '.');
      if (!Files.isRegularFile(info)) {
        problems.add(
            pkg
                + ": no package-info.java (a javadoc paragraph saying what the package is"
                + " for, then @NullMarked; see any other package-info.java)");
        continue;
      }
      String text;
      try {
        text = Files.readString(info, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!text.contains("@NullMarked")
          || !text.contains("import org.jspecify.annotations.NullMarked;")) {
        problems.add(
            pkg + ": package-info.java is not @NullMarked (org.jspecify.annotations.NullMarked)");
      }
      if (!text.strip().startsWith("/**")) {
        problems.add(pkg + ": package-info.java has no javadoc saying what the package is for");
      }
    }
    return problems;
  }
}
