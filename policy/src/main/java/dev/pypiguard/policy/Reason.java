package dev.pypiguard.policy;

/**
 * Why a rule blocked (or, in audit mode, would have blocked) a file.
 *
 * @param rule the rule's name as the policy file spells it, like {@code release-age}
 * @param message what a user reads, like {@code uploaded 2 days ago, minimum is 7 days}
 * @param pending whether the answer that decides it is still awaited (a provenance verdict, an
 *     advisory source): a file blocked only by pending reasons is held, not refused (README
 *     §Fail closed)
 */
public record Reason(String rule, String message, boolean pending) {
  /** A reason that is final. */
  public Reason(String rule, String message) {
    this(rule, message, false);
  }

  /** A reason that holds a file until an awaited answer arrives. */
  public static Reason pending(String rule, String message) {
    return new Reason(rule, message, true);
  }

  @Override
  public String toString() {
    return rule + ": " + message;
  }
}
