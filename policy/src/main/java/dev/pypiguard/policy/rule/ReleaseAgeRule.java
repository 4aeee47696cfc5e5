package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code release-age}: the cooldown, the cut-off and what to do without an upload time. The
 * project's exemption covers the whole section.
 */
record ReleaseAgeRule(Policy.ReleaseAge config, FirstSeen store) implements Rule {
  @Override
  public void check(FileContext f, Findings out) {
    if (ProjectsRule.listed(config.exempt(), f.project())) {
      return;
    }
    Optional<Instant> uploaded = f.uploadTime();
    if (uploaded.isPresent()) {
      judge(f.now(), uploaded.get(), "uploaded ", out);
      return;
    }
    switch (config.unknown()) {
      case BLOCK:
        out.block(new Reason("release-age", "no upload time from the upstream"));
        break;
      case ALLOW:
        break;
      case FIRST_SEEN:
        Instant seen = store.firstSeen(firstSeenKey(f), f.now());
        judge(f.now(), seen, "no upload time from the upstream; first seen ", out);
        break;
      default:
        throw new IllegalStateException("unhandled " + config.unknown());
    }
  }

  private void judge(Instant now, Instant at, String what, Findings out) {
    config
        .notAfter()
        .filter(at::isAfter)
        .ifPresent(
            cut -> out.block(new Reason("release-age", what + at + ", after the cut-off " + cut)));
    Duration min = config.minimum();
    if (min.isZero()) {
      return;
    }
    Duration age = Duration.between(at, now);
    if (age.isNegative()) {
      out.block(
          new Reason(
              "release-age",
              what + at + ", later than the proxy's clock (" + now + "), minimum is " + exact(min),
              Optional.of(at.plus(min))));
    } else if (age.compareTo(min) < 0) {
      out.block(
          new Reason(
              "release-age",
              what + ago(age) + " ago, minimum is " + exact(min),
              Optional.of(at.plus(min))));
    }
  }

  @Override
  public boolean timeDependent() {
    return !config.minimum().isZero()
        || (config.notAfter().isPresent()
            && config.unknown() == Policy.UnknownUploadTime.FIRST_SEEN);
  }

  /**
   * The first-seen key of a file: its name and sha256, so that other bytes under the same name
   * (another upstream, a re-upload) start their own cooldown.
   */
  static String firstSeenKey(FileContext f) {
    return f.file().filename() + " sha256=" + f.file().sha256().orElse("");
  }

  /** An age, rounded down to its largest unit: {@code 2 days}, {@code 5 hours}. */
  static String ago(Duration d) {
    long s = d.getSeconds();
    if (s >= 86_400) {
      return count(s / 86_400, "day");
    }
    if (s >= 3_600) {
      return count(s / 3_600, "hour");
    }
    if (s >= 60) {
      return count(s / 60, "minute");
    }
    return count(s, "second");
  }

  /**
   * A configured duration, exactly, in its largest whole unit: {@code 7 days}, {@code 36 hours}.
   */
  static String exact(Duration d) {
    long s = d.getSeconds();
    if (s % 86_400 == 0) {
      return count(s / 86_400, "day");
    }
    if (s % 3_600 == 0) {
      return count(s / 3_600, "hour");
    }
    if (s % 60 == 0) {
      return count(s / 60, "minute");
    }
    return count(s, "second");
  }

  private static String count(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
