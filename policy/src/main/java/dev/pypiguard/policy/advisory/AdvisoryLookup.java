package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.project.ProjectName;
import java.util.List;
import java.util.Optional;

/**
 * Something that answers which advisories affect a release: an {@link AdvisoryDatabase}, or {@link
 * AdvisorySources} over several sources. Answers never block on the network.
 */
public interface AdvisoryLookup {
  /**
   * The advisories affecting {@code version} of {@code project}, one per flaw (records that are
   * aliases of each other merged), withdrawn ones left out; {@code version} need not be PEP 440.
   */
  List<Advisory> affecting(ProjectName project, String version);

  /** A malicious advisory that affects every version of {@code project}, if there is one. */
  Optional<Advisory> maliciousProject(ProjectName project);

  /**
   * Whether every source has answered for {@code version} of {@code project}: false while an online
   * source (the OSV API) never has, so that the release is held rather than judged without it
   * (README §Fail closed). File sources always have.
   */
  default boolean answered(ProjectName project, String version) {
    return true;
  }

  /** Why a source has not answered, for messages: its state, like {@code unreachable: HTTP 503}. */
  default String unansweredWhy() {
    return "not answered yet";
  }

  /** Names the current content: changes whenever an answer could change. */
  String generation();
}
