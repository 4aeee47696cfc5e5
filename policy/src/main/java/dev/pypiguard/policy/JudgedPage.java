package dev.pypiguard.policy;

import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A project page after policy: every upstream file with its decision.
 *
 * @param page the upstream page
 * @param files a decision for each of the page's files, in page order
 * @param nextChange the earliest instant at which a decision may change by time alone (a cooldown
 *     ends, an exception or an advisory ignore expires), when there is one: until then judging
 *     again gives the same decisions, so a rendering of it may be kept until then and no later
 *     (README "Speed")
 */
public record JudgedPage(ProjectPage page, List<FileDecision> files, Optional<Instant> nextChange) {
  public JudgedPage {
    files = List.copyOf(files);
    Objects.requireNonNull(nextChange, "nextChange");
  }

  /** A judgement that time alone never changes. */
  public JudgedPage(ProjectPage page, List<FileDecision> files) {
    this(page, files, Optional.empty());
  }

  /** The page as served: only allowed files, as the decisions changed them. */
  public ProjectPage served() {
    return page.withFiles(allowed().stream().map(FileDecision::file).toList());
  }

  public List<FileDecision> allowed() {
    return files.stream().filter(f -> f.decision().allowed()).toList();
  }

  public List<FileDecision> blocked() {
    return files.stream().filter(f -> !f.decision().allowed()).toList();
  }

  private static final dev.pypiguard.core.simple.ByName<FileDecision> BY_NAME =
      new dev.pypiguard.core.simple.ByName<>(f -> f.file().filename());

  /** The decision of the page's first file of this name. */
  public Optional<FileDecision> file(String filename) {
    return BY_NAME.in(files, filename).stream().findFirst();
  }

  /** The served entry of an allowed file. */
  public Optional<FileEntry> servedFile(String filename) {
    return file(filename).filter(f -> f.decision().allowed()).map(FileDecision::file);
  }
}
