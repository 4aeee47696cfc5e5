package dev.pypiguard.policy.rule;

import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.policy.Reason;
import java.util.Map;

/**
 * {@code versions.deny} and {@code versions.allow}, keyed by normalized name. A version that is not
 * PEP 440 can only match {@code ===}: it escapes a deny (with a note saying so) and fails an allow,
 * which lists what may be served and cannot be shown to list it.
 */
record VersionsRule(Map<String, SpecifierSet> deny, Map<String, SpecifierSet> allow)
    implements Rule {
  VersionsRule {
    deny = Map.copyOf(deny);
    allow = Map.copyOf(allow);
  }

  @Override
  public void check(FileContext f, Findings out) {
    SpecifierSet denied = deny.get(f.project());
    if (denied != null) {
      if (f.versionIn(denied)) {
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
    if (allowed != null && !f.versionIn(allowed)) {
      out.block(
          new Reason(
              "versions",
              f.parsedVersion().isPresent()
                  ? "version " + f.version() + " is not allowed by \"" + allowed + "\""
                  : f.invalidVersion() + ", so it cannot match the allowed \"" + allowed + "\""));
    }
  }
}
