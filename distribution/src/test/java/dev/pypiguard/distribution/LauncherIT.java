package dev.pypiguard.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher built in {@code package} ({@code bin/pypi-guard}): which collector it picks, and
 * that an operator's own choice in {@code JAVA_OPTS} starts the JVM instead of clashing with it
 * (README "Speed").
 */
class LauncherIT {
  private static final String LAUNCHER = System.getProperty("launcher");

  /**
   * Runs {@code bin/pypi-guard --version} with {@code javaOpts}; returns its exit code and output.
   */
  private static Run version(String javaOpts) throws IOException, InterruptedException {
    var pb = new ProcessBuilder(List.of(LAUNCHER, "--version")).redirectErrorStream(true);
    pb.environment().put("JAVA_OPTS", javaOpts + " -XX:+PrintVMOptions");
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit: " + out);
    return new Run(p.exitValue(), out);
  }

  private record Run(int status, String output) {}

  @Test
  void theDefaultHeapIsCollectedBySerial() throws Exception {
    Run run = version("");
    assertEquals(0, run.status(), run.output());
    assertTrue(run.output().contains("pypi-guard "), run.output());
    assertTrue(run.output().contains("VM option '+UseSerialGC'"), run.output());
  }

  @Test
  void aCollectorInJavaOptsIsTheOnlyOne() throws Exception {
    Run run = version("-XX:+UseG1GC");
    assertEquals(0, run.status(), run.output());
    assertTrue(run.output().contains("VM option '+UseG1GC'"), run.output());
    assertFalse(run.output().contains("UseSerialGC"), run.output());
  }

  @Test
  void aHeapSizeInJavaOptsLeavesTheCollectorToTheJvm() throws Exception {
    Run run = version("-Xmx512m");
    assertEquals(0, run.status(), run.output());
    assertTrue(run.output().contains("pypi-guard "), run.output());
    assertFalse(run.output().contains("UseSerialGC"), run.output());
  }
}
