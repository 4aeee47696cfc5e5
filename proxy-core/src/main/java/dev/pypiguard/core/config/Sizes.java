package dev.pypiguard.core.config;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as configuration writes them: {@code 512}, {@code 64KB}, {@code 4MB}, {@code 200GB},
 * {@code 1TB} (powers of 1024; {@code KiB} spellings too).
 */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([kmgt]?)(i?b)?");

  private Sizes() {}

  public static Optional<Long> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    if (n > (Long.MAX_VALUE >> shift)) {
      return Optional.empty();
    }
    return Optional.of(n << shift);
  }

  public static final String EXPECTED = "a size like 512MB, 200GB or 1TB";
}
