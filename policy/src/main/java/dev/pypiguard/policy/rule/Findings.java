package dev.pypiguard.policy.rule;

import dev.pypiguard.policy.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * What the rules found about one file: reasons to block it, and notes that explain a decision
 * without blocking (such as a version rule that could not be applied). Not thread-safe: one per
 * file, filled by one thread.
 */
public final class Findings {
  private List<Reason> blocks = List.of();
  private List<Reason> notes = List.of();

  Findings() {}

  /** Records a reason to block the file. */
  public void block(Reason reason) {
    if (blocks.isEmpty()) {
      blocks = new ArrayList<>(2);
    }
    blocks.add(reason);
  }

  /** Records a note shown with the decision, whatever it is. */
  public void note(Reason reason) {
    if (notes.isEmpty()) {
      notes = new ArrayList<>(1);
    }
    notes.add(reason);
  }

  List<Reason> blocks() {
    return blocks;
  }

  List<Reason> notes() {
    return notes;
  }
}
