package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.Reason;

/**
 * One rule of a policy, judging one file at a time: it adds a {@link Reason} to {@link
 * Findings#block} for each way the file breaks it, and may add informational notes.
 *
 * <p>This is the seam later rules (advisories, attestations) plug into: {@link PolicyJudge} runs
 * its built-in rules and then any given to it, collects every finding, and applies exceptions and
 * audit mode to the lot. A rule whose reasons no exception may lift names them {@value
 * PolicyJudge#MALICIOUS}. Rules are immutable and thread-safe, and fast: a page may list thousands
 * of files, so compile what can be compiled when the rule is built.
 */
public interface Rule {
  /** Adds this rule's findings about one file. */
  void check(FileContext file, Findings findings);

  /**
   * What this rule's judgements depend on besides the policy, the files and the time (an advisory
   * database's revision, say), folded into {@link PageJudge#version()}; empty when nothing.
   */
  default String fingerprint() {
    return "";
  }

  /**
   * Why this rule makes a whole project not exist, whatever its files (a malicious advisory on
   * every version, say); no exception lifts it. Empty by default.
   */
  default java.util.Optional<Reason> projectBlocked(
      dev.pypiguard.core.project.ProjectName project) {
    return java.util.Optional.empty();
  }

  /** Whether a judgement can change as time passes with nothing else changed. */
  default boolean timeDependent() {
    return false;
  }
}
