package dev.pypiguard.policy;

import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import java.util.List;
import java.util.Optional;

/**
 * A project page after policy: every upstream file with its decision.
 *
 * @param page the upstream page
 * @param files a decision for each of the page's files, in page order
 */
public record JudgedPage(ProjectPage page, List<FileDecision> files) {
  public JudgedPage {
    files = List.copyOf(files);
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

  public Optional<FileDecision> file(String filename) {
    return files.stream().filter(f -> f.file().filename().equals(filename)).findFirst();
  }

  /** The served entry of an allowed file. */
  public Optional<FileEntry> servedFile(String filename) {
    return file(filename).filter(f -> f.decision().allowed()).map(FileDecision::file);
  }
}
