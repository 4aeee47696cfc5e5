package dev.pypiguard.policy.rule;

import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.pypiguard.policy.BaselineJudge;
import dev.pypiguard.policy.Reason;

/** The built-in rules of a policy file, each a small immutable record. */
final class Rules {
  private Rules() {}

  static boolean any(List<Glob> globs, String project) {
    for (Glob g : globs) {
      if (g.matches(project)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The rules that always hold: a verifiable hash, and no PEP 792 quarantine. Under {@code
   * files.weak-hashes: verify-and-pin}, a file with only a weak hash the server can verify is
   * held until it is verified and its sha256 pinned (then it has a sha256 and passes).
   */
  record Baseline(boolean pinWeak) implements Rule {
    /** The weak hashes the server verifies (see the server's WeakHashPins). */
    static final java.util.Set<String> WEAK = java.util.Set.of("md5", "sha1", "sha224", "sha384", "sha512");

    @Override
    public void check(FileContext f, Findings out) {
      for (Reason r : BaselineJudge.check(f.page(), f.file())) {
        if (pinWeak && r.rule().equals("integrity") && f.file().sha256().isEmpty()
            && f.file().hashes().keySet().stream().anyMatch(WEAK::contains)) {
          out.block(Reason.pending("integrity", "the upstream gives only "
              + String.join(", ", f.file().hashes().keySet()) + " for this file: held until its bytes are"
              + " verified by it and pinned by sha256 (files.weak-hashes: verify-and-pin)"));
        } else {
          out.block(r);
        }
      }
    }
  }

  /** {@code projects.deny} and, when non-empty, the allowlist {@code projects.allow}. */
  record Projects(List<Glob> allow, List<Glob> deny) implements Rule {
    Projects {
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
    }

    /** Why a whole project does not exist, if it does not. */
    Optional<Reason> blocks(String project) {
      for (Glob g : deny) {
        if (g.matches(project)) {
          return Optional.of(
              new Reason("projects", "project " + project + " is denied by \"" + g + "\""));
        }
      }
      if (!allow.isEmpty() && !any(allow, project)) {
        return Optional.of(
            new Reason("projects", "project " + project + " is not in the allowlist (projects.allow)"));
      }
      return Optional.empty();
    }

    @Override
    public void check(FileContext f, Findings out) {
      blocks(f.project()).ifPresent(out::block);
    }
  }

  /**
   * {@code versions.deny} and {@code versions.allow}, keyed by normalized name. A version that is
   * not PEP 440 can only match {@code ===}: it escapes a deny (with a note saying so) and fails an
   * allow, which lists what may be served and cannot be shown to list it.
   */
  record Versions(Map<String, SpecifierSet> deny, Map<String, SpecifierSet> allow) implements Rule {
    Versions {
      deny = Map.copyOf(deny);
      allow = Map.copyOf(allow);
    }

    @Override
    public void check(FileContext f, Findings out) {
      SpecifierSet denied = deny.get(f.project());
      if (denied != null) {
        if (matches(denied, f)) {
          out.block(
              new Reason("versions", "version " + f.version() + " is denied by \"" + denied + "\""));
        } else if (f.parsedVersion().isEmpty()) {
          out.note(
              new Reason(
                  "versions",
                  f.invalidVersion() + "; versions.deny \"" + denied + "\" cannot apply to it"));
        }
      }
      SpecifierSet allowed = allow.get(f.project());
      if (allowed != null && !matches(allowed, f)) {
        out.block(
            new Reason(
                "versions",
                f.parsedVersion().isPresent()
                    ? "version " + f.version() + " is not allowed by \"" + allowed + "\""
                    : f.invalidVersion() + ", so it cannot match the allowed \"" + allowed + "\""));
      }
    }
  }

  static boolean matches(SpecifierSet set, FileContext f) {
    if (f.parsedVersion().isPresent()) {
      return set.contains(f.parsedVersion().get());
    }
    // Only an arbitrary-equality clause (===) can match a version that is not PEP 440.
    return !f.version().isEmpty() && set.contains(f.version());
  }

  /**
   * {@code release-age}: the cooldown, the cut-off and what to do without an upload time. The
   * project's exemption covers the whole section.
   */
  record ReleaseAge(Policy.ReleaseAge config, FirstSeen store) implements Rule {
    @Override
    public void check(FileContext f, Findings out) {
      if (any(config.exempt(), f.project())) {
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
              cut ->
                  out.block(
                      new Reason("release-age", what + at + ", after the cut-off " + cut)));
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
        out.block(new Reason("release-age", what + ago(age) + " ago, minimum is " + exact(min),
            Optional.of(at.plus(min))));
      }
    }

    @Override
    public boolean timeDependent() {
      return !config.minimum().isZero()
          || (config.notAfter().isPresent() && config.unknown() == Policy.UnknownUploadTime.FIRST_SEEN);
    }
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

  /** A configured duration, exactly, in its largest whole unit: {@code 7 days}, {@code 36 hours}. */
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

  /** {@code files.sdists: block}: wheels only, so nothing runs a build backend at install. */
  record WheelsOnly() implements Rule {
    @Override
    public void check(FileContext f, Findings out) {
      String name = f.file().filename();
      if (!name.regionMatches(true, name.length() - 4, ".whl", 0, 4)) {
        boolean sdist =
            f.distribution()
                .map(d -> d.kind() == dev.pypiguard.core.project.DistributionFilename.Kind.SDIST)
                .orElse(false);
        out.block(
            new Reason(
                "sdists",
                (sdist ? "a source distribution" : "not a wheel")
                    + "; files.sdists is block, so only wheels are served"));
      }
    }
  }

  /** {@code files.yanked: hide}: yanked files, by the upstream or by policy, are not served. */
  record HideYanked() implements Rule {
    @Override
    public void check(FileContext f, Findings out) {
      Yanked y = f.file().yanked();
      if (y.yanked()) {
        out.block(
            new Reason(
                "yanked",
                "yanked" + y.reason().map(r -> " (" + r + ")").orElse("") + "; files.yanked is hide"));
      }
    }
  }
}
