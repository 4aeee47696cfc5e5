package dev.pypiguard.policy;

/**
 * Why a rule blocked (or, in audit mode, would have blocked) a file.
 *
 * @param rule the rule's name as the policy file spells it, like {@code release-age}
 * @param message what a user reads, like {@code uploaded 2 days ago, minimum is 7 days}
 * @param lifts when the block ends by itself (a release-age cooldown), if it does
 */
public record Reason(String rule, String message, java.util.Optional<java.time.Instant> lifts) {
  public Reason(String rule, String message) {
    this(rule, message, java.util.Optional.empty());
  }

  @Override
  public String toString() {
    return rule + ": " + message;
  }
}
