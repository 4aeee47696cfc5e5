package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.version.Version;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One file as the rules see it, with what they need parsed once.
 *
 * @param upstream the name of the upstream the page came from
 * @param page the upstream page
 * @param project the page's project name, PEP 503-normalized
 * @param file the file as it would be served (a local yank already applied)
 * @param distribution the file name parsed, when it is a distribution name of this project
 * @param version the version as the file name writes it; empty when it has none
 * @param parsedVersion the version read as PEP 440, when it is valid
 * @param uploadTime the upstream's upload time (PEP 700), when given and well formed
 * @param now the time of judgement
 */
public record FileContext(
    String upstream,
    ProjectPage page,
    String project,
    FileEntry file,
    Optional<DistributionFilename> distribution,
    String version,
    Optional<Version> parsedVersion,
    Optional<Instant> uploadTime,
    Instant now) {

  public FileContext {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(page, "page");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(distribution, "distribution");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(parsedVersion, "parsedVersion");
    Objects.requireNonNull(uploadTime, "uploadTime");
    Objects.requireNonNull(now, "now");
  }

  /** How a message names a version that rules cannot compare. */
  String invalidVersion() {
    return version.isEmpty()
        ? "the file name carries no version"
        : "version \"" + version + "\" is not valid PEP 440";
  }

  /**
   * Whether this file's version is in {@code set}. A version that is not PEP 440 can only match an
   * arbitrary-equality clause ({@code ===}).
   */
  boolean versionIn(SpecifierSet set) {
    if (parsedVersion.isPresent()) {
      return set.contains(parsedVersion.get());
    }
    return !version.isEmpty() && set.contains(version);
  }
}
