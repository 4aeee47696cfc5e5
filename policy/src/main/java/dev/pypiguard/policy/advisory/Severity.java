package dev.pypiguard.policy.advisory;

import java.util.Locale;
import java.util.Optional;

/**
 * A qualitative severity rating, as CVSS v3.1 §5 and v4.0 §6 define it from a base score, and as
 * {@code database_specific.severity} spells it in GitHub's OSV records.
 */
public enum Severity {
  NONE("none"),
  LOW("low"),
  MEDIUM("medium"),
  HIGH("high"),
  CRITICAL("critical");

  private final String spelling;

  Severity(String spelling) {
    this.spelling = spelling;
  }

  /** The rating as the policy file spells it. */
  public String spelling() {
    return spelling;
  }

  /**
   * The rating of a base score: 0.0 none, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0
   * critical (CVSS v3.1 §5 Table 14; CVSS v4.0 §6 uses the same bands).
   */
  public static Severity ofScore(double score) {
    if (Double.isNaN(score) || score < 0 || score > 10) {
      throw new IllegalArgumentException("CVSS score: " + score + " (expected: 0.0 to 10.0)");
    }
    if (score == 0.0) {
      return NONE;
    }
    if (score < 4.0) {
      return LOW;
    }
    if (score < 7.0) {
      return MEDIUM;
    }
    return score < 9.0 ? HIGH : CRITICAL;
  }

  /**
   * The rating named by {@code database_specific.severity} (LOW, MODERATE, HIGH, CRITICAL; GitHub
   * writes MODERATE for medium), or empty for anything else.
   */
  public static Optional<Severity> ofDatabaseLabel(String label) {
    switch (label.strip().toUpperCase(Locale.ROOT)) {
      case "LOW":
        return Optional.of(LOW);
      case "MODERATE":
      case "MEDIUM":
        return Optional.of(MEDIUM);
      case "HIGH":
        return Optional.of(HIGH);
      case "CRITICAL":
        return Optional.of(CRITICAL);
      default:
        return Optional.empty();
    }
  }
}
