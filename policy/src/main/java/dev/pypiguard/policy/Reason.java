package dev.pypiguard.policy;

import java.time.Instant;
import java.util.Optional;

/**
 * Why a rule blocked (or, in audit mode, would have blocked) a file.
 *
 * @param rule the rule's name as the policy file spells it, like {@code release-age}
 * @param message what a user reads, like {@code uploaded 2 days ago, minimum is 7 days}
 * @param pending whether the answer that decides it is still awaited (a provenance verdict, an
 *     advisory source): a file blocked only by pending reasons is held, not refused (README §Fail
 *     closed)
 * @param lifts when the reason stops applying by itself (a release-age cooldown ends, an advisory
 *     ignore expires), if it does: a judgement may change then (README "Speed")
 */
public record Reason(String rule, String message, boolean pending, Optional<Instant> lifts) {
  /** A reason that is final and does not lift by itself. */
  public Reason(String rule, String message) {
    this(rule, message, false, Optional.empty());
  }

  /** A final reason that lifts by itself at {@code lifts}, if given. */
  public Reason(String rule, String message, Optional<Instant> lifts) {
    this(rule, message, false, lifts);
  }

  /** A reason that holds a file until an awaited answer arrives. */
  public static Reason pending(String rule, String message) {
    return new Reason(rule, message, true, Optional.empty());
  }

  @Override
  public String toString() {
    return rule + ": " + message;
  }
}
