package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.config.Spelled;

/** {@code advisories.on-unavailable}: a release an online source has not answered for. */
public enum OnUnavailable implements Spelled {
  /** Held (absent from pages, 503 when fetched) until the source answers. */
  HOLD,
  /** Judged with the other sources alone: an operator's explicit choice, never the default. */
  ALLOW
}
