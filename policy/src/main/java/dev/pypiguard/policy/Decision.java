package dev.pypiguard.policy;

import java.util.List;

/** The verdict on one file: served, or not. */
public sealed interface Decision permits Decision.Allow, Decision.Block {
  /** Reasons that blocked it, or that would have in audit mode; empty for a clean allow. */
  List<Reason> reasons();

  /** Served. {@code reasons} lists what audit mode let through. */
  record Allow(List<Reason> reasons) implements Decision {
    public Allow {
      reasons = List.copyOf(reasons);
    }
  }

  /** Not served: absent from pages, 403 when fetched directly. */
  record Block(List<Reason> reasons) implements Decision {
    public Block {
      if (reasons.isEmpty()) {
        throw new IllegalArgumentException("a block needs a reason");
      }
      reasons = List.copyOf(reasons);
    }

    /**
     * Whether every reason awaits an answer (a provenance verdict, an advisory source): the file is
     * held, absent from pages and 503 with Retry-After when fetched, until the answer comes.
     */
    public boolean held() {
      return reasons.stream().allMatch(Reason::pending);
    }

    /** One line for a reason phrase and logs: every reason, joined. */
    public String summary() {
      return String.join("; ", reasons.stream().map(Reason::toString).toList());
    }
  }

  Allow ALLOW = new Allow(List.of());

  default boolean allowed() {
    return this instanceof Allow;
  }

  /** How commands and logs name it: {@code allow}, {@code block} or {@code hold}. */
  default String label() {
    return this instanceof Block b ? (b.held() ? "hold" : "block") : "allow";
  }
}
