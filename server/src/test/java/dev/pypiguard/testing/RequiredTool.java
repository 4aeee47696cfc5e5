package dev.pypiguard.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a program it drives (python3 with venv, Debian's pip, poetry, pdm,
 * chromium) is not installed: outside CI it is skipped with the reason and how to install the
 * program; when the {@code CI} environment variable is set it fails, because {@code .ci/run}
 * installs every one of them and a skipped end-to-end test there would hide a broken machine.
 */
public final class RequiredTool {
  private RequiredTool() {}

  /** Returns when {@code present}; otherwise skips the calling test, or fails it under CI. */
  public static void require(boolean present, String missing) {
    if (present) {
      return;
    }
    if (System.getenv("CI") != null) {
      Assertions.fail(missing + ", and CI is set: .ci/run installs it, so this test must run");
    }
    Assumptions.abort(missing + ": skipping this test (CI fails it instead)");
  }
}
