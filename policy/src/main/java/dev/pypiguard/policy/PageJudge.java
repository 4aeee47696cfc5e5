package dev.pypiguard.policy;

import dev.pypiguard.core.simple.ProjectPage;

/**
 * Judges every file of a project page. Implementations are pure functions of the page and their
 * current state, which {@link #version} names: a judged page may be cached under (page version,
 * judge version) and must then be the same as judging again.
 */
public interface PageJudge {
  JudgedPage judge(String upstream, ProjectPage page);

  /** Changes whenever a judgement could change (new policy, new advisories, time passing). */
  String version();
}
