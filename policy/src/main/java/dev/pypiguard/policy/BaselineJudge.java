package dev.pypiguard.policy;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules that hold whatever the policy says: a file without a sha256 cannot be verified and is
 * never served, and a project its upstream marks quarantined (PEP 792) offers no files.
 */
public final class BaselineJudge implements PageJudge {
  public static final BaselineJudge INSTANCE = new BaselineJudge();

  /** The baseline reasons for one file, empty when it passes. */
  public static List<Reason> check(ProjectPage page, FileEntry file) {
    var reasons = new ArrayList<Reason>(2);
    page.projectStatus()
        .filter(s -> s.quarantined())
        .ifPresent(
            s ->
                reasons.add(
                    new Reason(
                        "project-status",
                        "the upstream marks this project quarantined (PEP 792)"
                            + s.reason().map(r -> ": " + r).orElse(""))));
    if (file.digest().isEmpty()) {
      reasons.add(
          new Reason(
              "integrity",
              file.hashes().isEmpty()
                  ? "the upstream gives no sha256 for this file, so it cannot be verified"
                  : "the upstream gives only "
                      + String.join(", ", file.hashes().keySet())
                      + " for this file, no sha256, so it cannot be verified (files.weak-hashes: block)"));
    }
    return reasons;
  }

  /** The version a file name carries, or empty. */
  public static String versionOf(ProjectPage page, FileEntry file) {
    Optional<ProjectName> project = ProjectName.parse(page.name());
    Optional<DistributionFilename> parsed =
        project.isPresent()
            ? DistributionFilename.parse(file.filename(), project.get())
            : DistributionFilename.parse(file.filename());
    return parsed.map(DistributionFilename::version).orElse("");
  }

  @Override
  public JudgedPage judge(String upstream, ProjectPage page) {
    var out = new ArrayList<FileDecision>(page.files().size());
    for (FileEntry f : page.files()) {
      List<Reason> reasons = check(page, f);
      Decision d = reasons.isEmpty() ? Decision.ALLOW : new Decision.Block(reasons);
      out.add(new FileDecision(f, versionOf(page, f), d));
    }
    return new JudgedPage(page, out);
  }

  @Override
  public String version() {
    return "baseline";
  }
}
