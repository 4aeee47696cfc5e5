package dev.pypiguard.core.simple;

import java.util.Optional;

/**
 * The PEP 592 yank state of a file: not yanked, or yanked with an optional reason.
 *
 * <p>In PEP 691 JSON this is {@code false}, {@code true} or a reason string; in PEP 503 HTML the
 * {@code data-yanked} attribute, empty or holding the reason.
 */
public record Yanked(boolean yanked, Optional<String> reason) {
  public static final Yanked NO = new Yanked(false, Optional.empty());

  public Yanked {
    reason = yanked ? reason.filter(r -> !r.isEmpty()) : Optional.empty();
  }

  public static Yanked because(String reason) {
    return new Yanked(true, Optional.ofNullable(reason));
  }
}
