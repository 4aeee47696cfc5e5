package dev.pypiguard.core.config;

import java.util.Locale;

/**
 * An enum whose values a config file spells in lower case with dashes ({@code FIRST_SEEN} is {@code
 * first-seen}).
 */
public interface Spelled {
  String name();

  /** The value as a config file spells it. */
  default String spelling() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
