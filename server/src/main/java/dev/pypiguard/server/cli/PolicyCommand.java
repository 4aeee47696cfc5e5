package dev.pypiguard.server.cli;

import dev.pypiguard.policy.config.BuiltInPolicy;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pypi-guard policy}: the built-in policy, to start a policy file from. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = {
      "Policy files. Without --policy, serve, check, seed and export enforce the built-in",
      "policy: a 7-day release-age cooldown on upstream upload times (first-seen when the",
      "upstream gives none), malicious releases blocked, known-vulnerable releases of high",
      "severity or above blocked, PEP 740 attestations verified, publisher changes blocked,",
      "yanks kept.",
      "",
      "Start your own: pypi-guard policy --print-default > policies.yaml",
      "(policies.example.yaml in the distribution adds the company-specific parts)."
    })
final class PolicyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--print-default",
      description = "Print the built-in policy as YAML, with its comments.")
  boolean printDefault;

  @Override
  public Integer call() {
    if (!printDefault) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("pypi-guard policy: nothing to do (expected: --print-default)");
      err.println("Try 'pypi-guard policy --help'.");
      err.flush();
      return 2;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(BuiltInPolicy.yaml());
    out.flush();
    return 0;
  }
}
