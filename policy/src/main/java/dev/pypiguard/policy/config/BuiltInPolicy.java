package dev.pypiguard.policy.config;

import dev.pypiguard.policy.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The policy in force when no policy file is given (README "Policy"): the defences that need no
 * site-specific data. It is kept as YAML, parsed like any policy file, so that what {@code
 * pypi-guard policy --print-default} prints is exactly what is enforced.
 */
public final class BuiltInPolicy {
  /** How messages and the status page name it. */
  public static final String NAME = "the built-in policy";

  private static final String RESOURCE = "default-policy.yaml";
  private static final String TEXT = read();
  private static final Policy POLICY = PolicyLoader.parse(NAME, TEXT);

  private BuiltInPolicy() {}

  /** The built-in policy as YAML, with its comments. */
  public static String yaml() {
    return TEXT;
  }

  /** The built-in policy. */
  public static Policy policy() {
    return POLICY;
  }

  private static String read() {
    try (InputStream in = BuiltInPolicy.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("bundled resource " + RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
