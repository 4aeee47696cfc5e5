package dev.pypiguard.policy.inspection;

import dev.pypiguard.core.config.Spelled;

/**
 * What a rule does with a file it finds something in: {@code block} it, {@code hold} it (block
 * until an exception or an admin's review clears its sha256), {@code warn} (allow, with the finding
 * shown), or nothing ({@code off}).
 */
public enum Action implements Spelled {
  BLOCK,
  HOLD,
  WARN,
  OFF
}
