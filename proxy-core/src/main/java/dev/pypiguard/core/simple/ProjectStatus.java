package dev.pypiguard.core.simple;

import java.util.Optional;

/**
 * A PEP 792 project status marker: {@code active}, {@code archived}, {@code quarantined} or {@code
 * deprecated} (kept as given, so that a newer marker passes through), with a reason.
 */
public record ProjectStatus(String status, Optional<String> reason) {
  public boolean quarantined() {
    return "quarantined".equals(status);
  }
}
