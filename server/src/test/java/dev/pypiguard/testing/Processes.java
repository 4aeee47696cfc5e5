package dev.pypiguard.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waiting for the processes tests start, which must never hang a build. */
final class Processes {
  private Processes() {}

  /**
   * Waits up to {@code timeout} for {@code p} to exit; when it does not, kills it with its
   * children. Returns whether it exited in time.
   */
  static boolean waitOrKill(Process p, Duration timeout) throws InterruptedException {
    boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    return done;
  }
}
