package dev.pypiguard.testing;

import java.util.Locale;
import java.util.regex.Pattern;

/** Project name normalization rules used by indexes and distribution file names. */
public final class Names {

  private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

  private Names() {}

  /** PEP 503 normalization: runs of {@code -_.} become one {@code -}, lowercased. */
  public static String normalize(String name) {
    return SEPARATORS.matcher(name).replaceAll("-").toLowerCase(Locale.ROOT);
  }

  /**
   * The name as written in wheel and sdist file names and in {@code .dist-info} directories:
   * normalized, with {@code _} as the separator (binary distribution format spec, PEP 625).
   */
  public static String fileEscape(String name) {
    return SEPARATORS.matcher(name).replaceAll("_").toLowerCase(Locale.ROOT);
  }

  /** Whether {@code name} is already in PEP 503 normal form. */
  public static boolean isNormalized(String name) {
    return normalize(name).equals(name);
  }
}
