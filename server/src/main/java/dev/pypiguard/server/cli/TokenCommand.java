package dev.pypiguard.server.cli;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.auth.AccessTokens;
import dev.pypiguard.server.auth.Role;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pypi-guard token NAME}: makes a new client token and the tokens-file entry holding its
 * hash.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Make a random token for a client and print it with the entry for the tokens file",
      "(auth: {tokens-file: ...}), which keeps only the token's sha256. Give the token to",
      "the client (pip: https://__token__:TOKEN@HOST/simple/); it is not stored anywhere.",
      ""
    })
public final class TokenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--role", paramLabel = "ROLE", description = "read (default) or admin.")
  String role = "read";

  @Parameters(
      paramLabel = "NAME",
      description = "The client's name, shown in the access and audit logs.")
  String name;

  @Override
  public Integer call() {
    if (!AccessTokens.validName(name)) {
      throw new ConfigException(
          "NAME: \"" + name + "\" (expected: letters, digits and . _ @ + -, up to 64 characters)");
    }
    if (Role.parse(role).isEmpty()) {
      throw new ConfigException("--role: \"" + role + "\" (expected: read or admin)");
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    String hash = Sha256.of(token.getBytes(StandardCharsets.UTF_8)).hex();
    PrintWriter w = spec.commandLine().getOut();
    w.println("token: " + token);
    w.println("tokens file entry (under tokens:):");
    w.println("  - {name: " + name + ", role: " + role + ", token: \"sha256:" + hash + "\"}");
    w.flush();
    return 0;
  }
}
