package dev.pypiguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Python virtual environment with pip, isolated from the machine's pip configuration, used to run
 * real {@code pip install} against a {@link TestUpstream} or the proxy.
 *
 * <p>One venv is shared per JVM, at {@code target/pip-venv} of the module, and reused across runs
 * while it works. Tests that need it start with {@link #assumePython3()}, which skips them only
 * when {@code python3} or its {@code venv} module is missing, and fails them then too when the
 * {@code CI} environment variable is set ({@link RequiredTool}); any other problem fails the test.
 *
 * <p>Isolation, and why each piece is there:
 *
 * <ul>
 *   <li>Every {@code PIP_*} variable is removed: the machine sets e.g. {@code PIP_FIND_LINKS},
 *       which would let pip find wheels without asking the index under test.
 *   <li>{@code PIP_CONFIG_FILE=/dev/null}: pip then loads no global, user or site config file,
 *       where the machine adds extra indexes and a constraints file.
 *   <li>{@code --isolated}: also ignores environment variables and user configuration, a second
 *       line of defence should a variable slip through.
 *   <li>{@code --no-cache-dir}: every run really downloads from the index, so request counts and
 *       fault injection are observed and one test's cache cannot satisfy another's install.
 *   <li>{@code --disable-pip-version-check}: pip would otherwise contact pypi.org for its own
 *       version, which is slow offline and not part of the test.
 *   <li>{@code --no-input}: a credential prompt must fail the run, not hang it until timeout.
 *   <li>Proxy variables ({@code http_proxy}, ...) and {@code PYTHONPATH}/{@code PYTHONHOME} are
 *       removed: 127.0.0.1 must be reached directly and the venv must use only its own packages.
 *   <li>{@code --target <fresh dir>}: installs never touch the shared venv, so runs are independent
 *       and the venv stays reusable.
 * </ul>
 */
public final class PythonEnv {

  /** Default timeout of one pip run. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

  private static PythonEnv shared;

  private final Path venv;
  private final Path python;
  private final Path runs;

  private PythonEnv(Path venv) {
    this(venv, venv.resolve("bin").resolve("python"), venv.resolveSibling("pip-runs"));
  }

  private PythonEnv(Path venv, Path python, Path runs) {
    this.venv = venv;
    this.python = python;
    this.runs = runs;
  }

  /** Debian's own pip ({@code python3-pip}, 23.0.1 on Debian 12), run by the system python3. */
  public static final Path DEBIAN_PIP = Path.of("/usr/lib/python3/dist-packages/pip");

  /**
   * The system python3 with Debian's pip, when the package is installed (the pip of Debian 12 and
   * of Python 3.8 to 3.10 era installers: it predates PEP 714).
   */
  public static java.util.Optional<PythonEnv> debian() {
    Path python3 = Path.of("/usr/bin/python3");
    if (!Files.isDirectory(DEBIAN_PIP) || !Files.isExecutable(python3)) {
      return java.util.Optional.empty();
    }
    Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    PythonEnv env =
        new PythonEnv(python3.getParent(), python3, base.resolve("target").resolve("pip-runs"));
    return env.works() ? java.util.Optional.of(env) : java.util.Optional.empty();
  }

  /**
   * A venv of its own under {@code target/<name>} with pip upgraded from a local wheel file (no
   * index is asked), e.g. {@code pip-26.2.1-py3-none-any.whl}.
   */
  public static PythonEnv withPipWheel(String name, Path pipWheel) {
    Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    PythonEnv env = create(base.resolve("target").resolve(name));
    String wanted = pipWheel.getFileName().toString().split("-")[1];
    if (!env.pipVersion().equals(wanted)) {
      ProcessOutput out =
          run(
              List.of(
                  env.python.toString(),
                  "-m",
                  "pip",
                  "--isolated",
                  "install",
                  "--no-index",
                  "--no-cache-dir",
                  "--disable-pip-version-check",
                  "--upgrade",
                  pipWheel.toString()),
              Duration.ofMinutes(2));
      if (!out.succeeded()) {
        throw new IllegalStateException("installing " + pipWheel + " failed:\n" + out.output());
      }
    }
    return env;
  }

  /** The version pip reports ({@code pip --version}). */
  public String pipVersion() {
    ProcessOutput out =
        run(List.of(python.toString(), "-m", "pip", "--version"), Duration.ofSeconds(60));
    String[] words = out.output().strip().split("\\s+");
    return words.length > 1 ? words[1] : "";
  }

  /** Whether a {@code python3} executable is on the PATH. */
  public static boolean python3Available() {
    return findOnPath("python3") != null;
  }

  /**
   * Skips the calling test when python3 or its venv module (with ensurepip, which brings pip into a
   * venv) is absent, and only then; fails it instead under CI ({@link RequiredTool}).
   */
  public static void assumePython3() {
    RequiredTool.require(
        python3Available(),
        "python3 is not installed (apt-get install -y python3 python3-venv); pip end-to-end tests need it");
    RequiredTool.require(
        venvAvailable(),
        "python3 has no venv/ensurepip module (apt-get install -y python3-venv); pip end-to-end tests need it");
  }

  private static Boolean venvAvailable;

  /** Whether {@code python3 -c 'import venv, ensurepip'} succeeds (asked once per JVM). */
  private static synchronized boolean venvAvailable() {
    if (venvAvailable == null) {
      venvAvailable =
          run(
                  List.of(findOnPath("python3").toString(), "-c", "import venv, ensurepip"),
                  Duration.ofSeconds(60))
              .succeeded();
    }
    return venvAvailable;
  }

  /**
   * The venv shared by this JVM, created on first use with {@code python3 -m venv} under {@code
   * target/pip-venv} (or reused when it already exists and its pip runs).
   */
  public static synchronized PythonEnv shared() {
    if (shared == null) {
      Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
      shared = create(base.resolve("target").resolve("pip-venv"));
    }
    return shared;
  }

  /** Creates or reuses a venv at {@code dir}. */
  public static PythonEnv create(Path dir) {
    Path python3 = findOnPath("python3");
    if (python3 == null) {
      throw new IllegalStateException("python3 not found on PATH");
    }
    PythonEnv env = new PythonEnv(dir.toAbsolutePath());
    try {
      Files.createDirectories(dir.getParent());
      // A file lock, because surefire forks or parallel builds may share the module's target.
      Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
      try (FileChannel ch =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = ch.lock();
        try {
          if (!env.works()) {
            deleteTree(dir);
            ProcessOutput out =
                run(
                    List.of(python3.toString(), "-m", "venv", dir.toString()),
                    Duration.ofMinutes(3));
            if (!out.succeeded() || !env.works()) {
              throw new IllegalStateException("python3 -m venv failed:\n" + out.output());
            }
          }
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return env;
  }

  private boolean works() {
    if (!Files.isExecutable(python)) {
      return false;
    }
    return run(List.of(python.toString(), "-m", "pip", "--version"), Duration.ofSeconds(60))
        .succeeded();
  }

  /** The venv directory. */
  public Path venv() {
    return venv;
  }

  /** The venv's python executable. */
  public Path python() {
    return python;
  }

  /** Runs {@code pip install} from {@code indexUrl} into a fresh target directory. */
  public PipResult install(URI indexUrl, List<String> args) {
    return install(indexUrl, args, DEFAULT_TIMEOUT);
  }

  /**
   * Runs {@code pip install --index-url indexUrl --target <fresh dir> args...}, e.g. with args
   * {@code List.of("--only-binary", ":all:", "alpha")}. A run longer than {@code timeout} is killed
   * (with its children) and reported as timed out.
   */
  public PipResult install(URI indexUrl, List<String> args, Duration timeout) {
    Path target;
    try {
      Files.createDirectories(runs);
      target = Files.createTempDirectory(runs, "target-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            python.toString(),
            "-m",
            "pip",
            "--isolated",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "--index-url",
            indexUrl.toString(),
            "--target",
            target.toString()));
    cmd.addAll(args);
    ProcessOutput out = run(cmd, timeout);
    return new PipResult(out.exitCode(), out.output(), target, out.timedOut(), out.elapsed());
  }

  /**
   * Runs {@code code} in the venv's python with {@code sysPath} first on {@code sys.path}, e.g.
   * {@code "import alpha; print(alpha.__version__)"} against a pip {@code --target} directory.
   */
  public ProcessOutput python(String code, Path sysPath) {
    // -I: ignore PYTHON* variables and user site so only sysPath and the venv are visible.
    String prelude = "import sys; sys.path.insert(0, sys.argv[1]); del sys.argv[1]\n";
    return run(
        List.of(python.toString(), "-I", "-c", prelude + code, sysPath.toString()),
        DEFAULT_TIMEOUT);
  }

  /** Imports {@code module} from {@code sysPath} and returns its {@code __version__}. */
  public String importedVersion(String module, Path sysPath) {
    ProcessOutput out = python("import " + module + "; print(" + module + ".__version__)", sysPath);
    if (!out.succeeded()) {
      throw new IllegalStateException("import " + module + " failed:\n" + out.output());
    }
    return out.output().strip();
  }

  /**
   * The output of a process run by {@link PythonEnv}.
   *
   * @param exitCode the exit code, -1 when timed out
   * @param output stdout and stderr interleaved
   * @param timedOut whether the process was killed on timeout
   * @param elapsed wall-clock duration
   */
  public record ProcessOutput(int exitCode, String output, boolean timedOut, Duration elapsed) {
    /** Whether the process exited with 0 in time. */
    public boolean succeeded() {
      return !timedOut && exitCode == 0;
    }
  }

  private static ProcessOutput run(List<String> cmd, Duration timeout) {
    long start = System.nanoTime();
    Path log = null;
    try {
      log = Files.createTempFile("pythonenv-", ".log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      // Output goes to a file, not a pipe: a killed or chatty process can then never block us.
      pb.redirectOutput(log.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      sanitize(pb.environment());
      Process p = pb.start();
      boolean done = Processes.waitOrKill(p, timeout);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      return new ProcessOutput(done ? p.exitValue() : -1, output, !done, elapsed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd, e);
    } finally {
      if (log != null) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException ignored) {
          // best effort: a temp file left behind is harmless
        }
      }
    }
  }

  /** See the class comment for why each variable goes. */
  private static void sanitize(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("PIP_"));
    for (String k : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy")) {
      env.remove(k);
      env.remove(k.toUpperCase(java.util.Locale.ROOT));
    }
    // requests lets these override pip's --cert (an environment CA bundle wins over the
    // session's), so a test that hands pip its own CA must not inherit them.
    env.remove("REQUESTS_CA_BUNDLE");
    env.remove("CURL_CA_BUNDLE");
    env.remove("PYTHONPATH");
    env.remove("PYTHONHOME");
    env.remove("PYTHONUSERBASE");
    env.put("PIP_CONFIG_FILE", "/dev/null");
  }

  private static Path findOnPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, exe);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
