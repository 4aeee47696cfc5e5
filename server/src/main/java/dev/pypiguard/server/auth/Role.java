package dev.pypiguard.server.auth;

import java.util.Locale;
import java.util.Optional;

/** What a client may do: {@code read} the index and files, or also use the {@code admin} API. */
public enum Role {
  READ,
  ADMIN;

  /** Whether this role may do what {@code needed} may (admin implies read). */
  public boolean includes(Role needed) {
    return this == ADMIN || needed == READ;
  }

  /** The spelling in the tokens file. */
  public String spelling() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role spelled {@code s} ({@code read}, {@code admin}). */
  public static Optional<Role> parse(String s) {
    for (Role r : values()) {
      if (r.spelling().equals(s)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
