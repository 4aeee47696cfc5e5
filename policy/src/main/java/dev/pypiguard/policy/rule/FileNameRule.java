package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.policy.Reason;
import java.util.Optional;

/**
 * The {@value PolicyJudge#FILENAME} rule: a file whose name does not parse as a distribution of the
 * page's project with a PEP 440 version, as pip and packaging parse names, is blocked, so that no
 * version rule, advisory or publisher check is ever skipped because a name was odd.
 */
record FileNameRule() implements Rule {
  @Override
  public void check(FileContext f, Findings out) {
    String n = f.file().filename();
    if (f.distribution().isEmpty()) {
      // The judge parses a file name only against a valid project name, so this is where an
      // invalid page name shows.
      Optional<ProjectName> project = ProjectName.parse(f.page().name());
      if (project.isEmpty()) {
        out.block(
            new Reason(
                PolicyJudge.FILENAME,
                "the page's project name \"" + f.page().name() + "\" is not a valid project name"));
        return;
      }
      Optional<DistributionFilename> any = DistributionFilename.parse(n);
      out.block(
          new Reason(
              PolicyJudge.FILENAME,
              any.isPresent() && !any.get().project().equals(project.get())
                  ? n + " names project " + any.get().project() + ", not " + project.get()
                  : n
                      + " is not a distribution file name of "
                      + project.get()
                      + " as pip reads names"));
    } else if (f.parsedVersion().isEmpty()) {
      out.block(
          new Reason(
              PolicyJudge.FILENAME,
              "version \""
                  + f.version()
                  + "\" of "
                  + n
                  + " is not valid PEP 440, so no version rule or advisory could judge it"));
    }
  }
}
