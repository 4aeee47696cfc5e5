package dev.pypiguard.server.cli;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.BuildInfo;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pypi-guard} command: subcommands for serving, checking and mirroring. */
@Command(
    name = "pypi-guard",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = {
      "A caching PyPI proxy that enforces supply-chain policy.",
      "Point pip at it: pip install --index-url http://127.0.0.1:8080/simple/ requests"
    },
    subcommands = {
      ServeCommand.class,
      CheckCommand.class,
      VerifyCommand.class,
      PolicyCommand.class,
      AdvisoriesCommand.class,
      TokenCommand.class,
      dev.pypiguard.server.mirror.SeedCommand.class,
      dev.pypiguard.server.mirror.ExportCommand.class,
      dev.pypiguard.server.mirror.ImportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before anything loads the JDK's HTTP client (see EgressSettings).
    dev.pypiguard.server.EgressSettings.allowBasicForTunnels();
    commonPoolOfTwo();
    System.exit(run(args));
  }

  /**
   * On one or two cores the JDK's common pool has one thread, and then {@code CompletableFuture}
   * runs each asynchronous step without an executor on a new thread of its own: the JDK's HTTP
   * client completes every response so, which cost each upstream request a thread start (README
   * "Speed"). Two threads let it reuse them; an operator's own setting wins. Set before anything
   * loads {@code CompletableFuture}, which reads it once.
   */
  static void commonPoolOfTwo() {
    commonPoolOfTwo(System.getProperties(), Runtime.getRuntime().availableProcessors());
  }

  /** {@link #commonPoolOfTwo()} on {@code properties}, for a machine of {@code cores}. */
  static void commonPoolOfTwo(java.util.Properties properties, int cores) {
    if (cores <= 2) {
      properties.putIfAbsent(COMMON_PARALLELISM, "2");
    }
  }

  static final String COMMON_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /** Runs the command line and returns the exit code (for tests). */
  public static int run(String... args) {
    var cmd = new CommandLine(new Main());
    cmd.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("pypi-guard: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return 2;
        });
    cmd.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          PrintWriter err = c.getErr();
          if (ex instanceof ConfigException) {
            err.println("pypi-guard: " + ex.getMessage());
            return 2;
          }
          err.println("pypi-guard: error: " + ex);
          if (System.getenv("PYPI_GUARD_DEBUG") != null) {
            ex.printStackTrace(err);
          }
          return 1;
        });
    return cmd.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pypi-guard " + BuildInfo.current()};
    }
  }
}
