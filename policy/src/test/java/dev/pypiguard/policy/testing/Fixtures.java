package dev.pypiguard.policy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Test files found on the test class path, never by a relative path into another module's source
 * tree: the policy module publishes its test resources (and this class) as a test-jar, which the
 * server module's tests depend on, and a module's pom copies files it tests from elsewhere in the
 * repository (the shipped {@code policies.example.yaml}, the distribution's {@code conf/}) into its
 * test resources under {@code shipped/}.
 *
 * <p>When the class path holds a directory ({@code target/test-classes}, as in {@code mvn test}
 * within the reactor) the files are used where they are; when it holds the test-jar ({@code mvn
 * verify}), they are copied once per JVM under the running module's {@code target/test-fixtures/},
 * because tests hand them to code and programs that need real files.
 */
public final class Fixtures {
  private static final Map<String, Path> COPIED = new ConcurrentHashMap<>();

  private Fixtures() {}

  /** The directory {@code name} of the test resources (e.g. {@code attestations}), as files. */
  public static Path directory(String name) {
    return COPIED.computeIfAbsent(name + "/", n -> locate(n, true));
  }

  /** The file {@code name} of the test resources (e.g. {@code shipped/policies.example.yaml}). */
  public static Path file(String name) {
    return COPIED.computeIfAbsent(name, n -> locate(n, false));
  }

  private static Path locate(String name, boolean directory) {
    URL url = Fixtures.class.getResource("/" + name);
    if (url == null) {
      throw new IllegalStateException("no test resource " + name + " on the class path");
    }
    try {
      if (url.getProtocol().equals("file")) {
        return Path.of(url.toURI());
      }
      if (!url.getProtocol().equals("jar")) {
        throw new IllegalStateException(
            "test resource " + name + " is in neither a directory nor a jar: " + url);
      }
      Path jar = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
      Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
      Path target = base.resolve("target").resolve("test-fixtures");
      try (FileSystem fs = FileSystems.newFileSystem(jar)) {
        Path from = fs.getPath("/" + name);
        List<Path> entries;
        try (Stream<Path> walk = directory ? Files.walk(from) : Stream.of(from)) {
          entries = walk.filter(Files::isRegularFile).toList();
        }
        for (Path e : entries) {
          Path to = target.resolve(fs.getPath("/").relativize(e).toString());
          Files.createDirectories(to.getParent());
          Files.copy(e, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return target.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
