package dev.pypiguard.core.version;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The pre-release segment of a version: a normalized letter ({@code a}, {@code b} or {@code rc})
 * and its number.
 *
 * <p>PEP 440 §Pre-releases orders alpha before beta before release candidate; the normalized
 * letters happen to sort that way as strings, which {@link #compareTo} relies on.
 *
 * @param letter {@code "a"}, {@code "b"} or {@code "rc"}
 * @param number the pre-release number, zero or more
 */
public record PreRelease(String letter, BigInteger number) implements Comparable<PreRelease> {

  public PreRelease {
    Objects.requireNonNull(letter, "letter");
    Objects.requireNonNull(number, "number");
    if (!letter.equals("a") && !letter.equals("b") && !letter.equals("rc")) {
      throw new IllegalArgumentException(
          "pre-release letter: \"" + letter + "\" (expected: a, b or rc)");
    }
    if (number.signum() < 0) {
      throw new IllegalArgumentException(
          "pre-release number: " + number + " (expected: zero or more)");
    }
  }

  @Override
  public int compareTo(PreRelease other) {
    int c = letter.compareTo(other.letter);
    return c != 0 ? c : number.compareTo(other.number);
  }

  /** The normalized spelling, such as {@code rc1}. */
  @Override
  public String toString() {
    return letter + number;
  }
}
