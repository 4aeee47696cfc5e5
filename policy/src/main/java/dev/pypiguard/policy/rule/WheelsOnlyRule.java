package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.policy.Reason;

/** {@code files.sdists: block}: wheels only, so nothing runs a build backend at install. */
record WheelsOnlyRule() implements Rule {
  @Override
  public void check(FileContext f, Findings out) {
    String name = f.file().filename();
    if (!name.regionMatches(true, name.length() - 4, ".whl", 0, 4)) {
      boolean sdist =
          f.distribution().map(d -> d.kind() == DistributionFilename.Kind.SDIST).orElse(false);
      out.block(
          new Reason(
              "sdists",
              (sdist ? "a source distribution" : "not a wheel")
                  + "; files.sdists is block, so only wheels are served"));
    }
  }
}
