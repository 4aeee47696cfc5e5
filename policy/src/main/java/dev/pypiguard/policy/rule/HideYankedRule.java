package dev.pypiguard.policy.rule;

import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Reason;

/** {@code files.yanked: hide}: yanked files, by the upstream or by policy, are not served. */
record HideYankedRule() implements Rule {
  @Override
  public void check(FileContext f, Findings out) {
    Yanked y = f.file().yanked();
    if (y.yanked()) {
      out.block(
          new Reason(
              "yanked",
              "yanked"
                  + y.reason().map(r -> " (" + r + ")").orElse("")
                  + "; files.yanked is hide"));
    }
  }
}
