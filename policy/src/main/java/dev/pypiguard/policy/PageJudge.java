package dev.pypiguard.policy;

import dev.pypiguard.core.simple.ProjectPage;

/**
 * Judges every file of a project page. Implementations are pure functions of the page and their
 * current state, which {@link #version} names: a judged page may be cached under (page version,
 * judge version) and must then be the same as judging again.
 */
public interface PageJudge {
  JudgedPage judge(String upstream, ProjectPage page);

  /**
   * The decision {@link #judge} makes for the file {@code filename} of {@code page}, empty when the
   * page has no such file. A judge may find it without judging the other files.
   */
  default java.util.Optional<FileDecision> judgeFile(
      String upstream, ProjectPage page, String filename) {
    return judge(upstream, page).file(filename);
  }

  /**
   * Why a whole project is hidden (deny list, allowlist mode), or empty when it is visible. A
   * hidden project is absent from {@code /simple/} and its page answers 404.
   */
  default java.util.Optional<Reason> projectBlocked(
      dev.pypiguard.core.project.ProjectName project) {
    return java.util.Optional.empty();
  }

  /**
   * How blocked files appear on pages ({@code files.blocked}); part of what {@link #version} names.
   */
  default dev.pypiguard.policy.Policy.BlockedFiles blockedFiles() {
    return dev.pypiguard.policy.Policy.BlockedFiles.HIDE;
  }

  /**
   * Changes whenever a judgement could change but for time (new policy, new advisories): what time
   * changes, each judged page says itself ({@link JudgedPage#nextChange}), and {@link #nextChange}
   * for {@link #projectBlocked}.
   */
  String version();

  /**
   * The earliest instant after now at which {@link #projectBlocked} may change by time alone (an
   * exception for a denied project expires), when there is one.
   */
  default java.util.Optional<java.time.Instant> nextChange() {
    return java.util.Optional.empty();
  }
}
