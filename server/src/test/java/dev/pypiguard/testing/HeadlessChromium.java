package dev.pypiguard.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Debian's {@code chromium} run headless, to load a page as a browser does and read back the DOM it
 * built. Every run gets a fresh profile directory, and a run that does not finish in time is killed
 * with its children.
 *
 * <p>{@code .ci/run} installs chromium. Without it, {@link #require()} fails the test when the
 * {@code CI} environment variable is set, and otherwise skips it with a message saying how to
 * install it, so {@code mvn verify} still passes on a developer's machine.
 */
public final class HeadlessChromium {
  private static final List<String> CANDIDATES =
      List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");

  private final Path executable;

  private HeadlessChromium(Path executable) {
    this.executable = executable;
  }

  /** The browser, or a skipped test (a failed one under CI) when it is not installed. */
  public static HeadlessChromium require() {
    for (String c : CANDIDATES) {
      Path p = Path.of(c);
      if (Files.isExecutable(p)) {
        return new HeadlessChromium(p);
      }
    }
    RequiredTool.require(
        false, "chromium is not installed (apt-get install -y chromium; .ci/run does it)");
    throw new AssertionError("unreachable");
  }

  /** The result of one run: the DOM serialized after load, and what the browser said. */
  public record Run(int exitCode, String dom, String log, boolean timedOut) {}

  /** Loads {@code url} and returns the serialized DOM ({@code --dump-dom}). */
  public Run dumpDom(URI url, Duration timeout) {
    return run(List.of("--dump-dom", url.toString()), timeout);
  }

  /** Loads {@code url} and saves what it looks like as a PNG ({@code --screenshot}). */
  public Run screenshot(URI url, Path png, Duration timeout) {
    return run(
        List.of("--window-size=1280,1024", "--screenshot=" + png.toAbsolutePath(), url.toString()),
        timeout);
  }

  private Run run(List<String> what, Duration timeout) {
    Path profile = null;
    Path out = null;
    Path err = null;
    try {
      profile = Files.createTempDirectory("chromium-profile-");
      out = Files.createTempFile("chromium-dom-", ".html");
      err = Files.createTempFile("chromium-log-", ".txt");
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  executable.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--disable-dev-shm-usage",
                  "--user-data-dir=" + profile));
      cmd.addAll(what);
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      // The page is on loopback: no proxy may stand in between.
      for (String k : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy")) {
        pb.environment().remove(k);
        pb.environment().remove(k.toUpperCase(java.util.Locale.ROOT));
      }
      pb.environment().put("HOME", profile.toString());
      Process p = pb.start();
      boolean done = Processes.waitOrKill(p, timeout);
      // Renderer and zygote children must not outlive the run either.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      return new Run(
          done ? p.exitValue() : -1,
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8),
          !done);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running chromium", e);
    } finally {
      delete(profile);
      delete(out);
      delete(err);
    }
  }

  private static void delete(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException ignored) {
      // a temporary file left behind is harmless
    }
  }
}
