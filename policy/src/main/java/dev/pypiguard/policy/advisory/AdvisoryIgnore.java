package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.config.Until;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of {@code advisories.ignore}.
 *
 * @param id an advisory id or alias
 * @param until when it stops holding
 * @param reason why it is ignored
 */
public record AdvisoryIgnore(String id, Until until, String reason) {
  public AdvisoryIgnore {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("advisories.ignore id: \"\" (expected: an advisory id)");
    }
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether it still holds at {@code now}. */
  public boolean activeAt(Instant now) {
    return now.isBefore(until.expires());
  }
}
