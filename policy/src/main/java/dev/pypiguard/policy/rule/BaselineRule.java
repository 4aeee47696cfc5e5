package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.BaselineJudge;
import dev.pypiguard.policy.Reason;
import java.util.Set;

/**
 * The rules that always hold: a verifiable hash, and no PEP 792 quarantine. Under {@code
 * files.weak-hashes: verify-and-pin}, a file with only a weak hash the server can verify is held
 * until it is verified and its sha256 pinned (then it has a sha256 and passes).
 */
record BaselineRule(boolean pinWeak) implements Rule {
  /** The weak hashes the server verifies (see the server's WeakHashPins). */
  static final Set<String> WEAK = Set.of("md5", "sha1", "sha224", "sha384", "sha512");

  @Override
  public void check(FileContext f, Findings out) {
    for (Reason r : BaselineJudge.check(f.page(), f.file())) {
      if (pinWeak
          && r.rule().equals("integrity")
          && f.file().digest().isEmpty()
          && f.file().hashes().keySet().stream().anyMatch(WEAK::contains)) {
        out.block(
            Reason.pending(
                "integrity",
                "the upstream gives only "
                    + String.join(", ", f.file().hashes().keySet())
                    + " for this file: held until its bytes are"
                    + " verified by it and pinned by sha256 (files.weak-hashes: verify-and-pin)"));
      } else {
        out.block(r);
      }
    }
  }
}
