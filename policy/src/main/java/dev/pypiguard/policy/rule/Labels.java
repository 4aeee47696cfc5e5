package dev.pypiguard.policy.rule;

/**
 * A prefix joined with the current value of a generation, built once per value instead of once per
 * call: fingerprints and generations are asked on every page hit (README "Speed"), and each call
 * built the same string again.
 */
public final class Labels {
  private final String prefix;
  private volatile Last last = new Last(new Object(), "");

  private record Last(Object value, String text) {}

  /** Labels of the form {@code prefix + value}. */
  public Labels(String prefix) {
    this.prefix = prefix;
  }

  /** {@code prefix + value}; the same instance while the value is unchanged. */
  public String of(long value) {
    Last l = last;
    if (l.value() instanceof Long v && v == value) {
      return l.text();
    }
    return remember(value, prefix + value);
  }

  /** {@code prefix + value}; the same instance while the value is unchanged. */
  public String of(String value) {
    Last l = last;
    if (value.equals(l.value())) {
      return l.text();
    }
    return remember(value, prefix + value);
  }

  private String remember(Object value, String text) {
    last = new Last(value, text);
    return text;
  }
}
