package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.inspection.Action;

/**
 * Turns a finding into a block, a hold, a warning or nothing, as the policy says. A warning is a
 * note whose message ends in {@value #WARN}, which the audit log records as {@code warn}.
 */
public final class Verdicts {
  /** What an admin is told to do to clear a hold. */
  static final String CLEAR = "POST /-/admin/held/%s/clear";

  /** How a warning's message ends. */
  public static final String WARN = " (warn)";

  private Verdicts() {}

  public static void apply(
      Action action, String rule, String message, FileContext f, Inspections store, Findings out) {
    switch (action) {
      case OFF -> {}
      case WARN -> out.note(new Reason(rule, message + WARN));
      case BLOCK -> out.block(new Reason(rule, message));
      case HOLD -> {
        var digest = f.file().digest();
        String sha = digest.map(d -> d.hex()).orElse("");
        var review = digest.flatMap(store::review);
        if (review.isPresent()) {
          out.note(
              new Reason(rule, message + "; held, then cleared by review: " + review.get() + WARN));
        } else {
          var r =
              new Reason(
                  rule,
                  message
                      + "; held for review (an admin clears it: "
                      + String.format(CLEAR, sha)
                      + ")");
          store.held(digest, f.project(), f.file().filename(), f.version(), r);
          out.block(r);
        }
      }
    }
  }
}
