package dev.pypiguard.policy.rule;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.inspection.Inspection;
import java.util.Optional;

/**
 * The inspections and reviews the rules read, by sha256; a server fills them when files are stored.
 * Answers never block.
 */
public interface Inspections {
  /** The inspection of the file with this sha256; empty when it has not been inspected (yet). */
  Optional<Inspection> inspection(Sha256 sha256);

  /** Why an admin cleared the held file with this sha256, when one did. */
  Optional<String> review(Sha256 sha256);

  /** Names the current inspections and reviews: changes whenever an answer could change. */
  String generation();

  /**
   * Told of a file a rule holds (for the admin API's list), empty sha256 when the page gave none;
   * by default nothing.
   */
  default void held(
      Optional<Sha256> sha256, String project, String filename, String version, Reason reason) {}

  /** Nothing inspected, nothing reviewed (one instance). */
  static Inspections none() {
    return Nothing.NONE;
  }

  /** Holds the one instance of {@link #none()}. */
  final class Nothing {
    private Nothing() {}

    static final Inspections NONE =
        new Inspections() {
          @Override
          public Optional<Inspection> inspection(Sha256 sha256) {
            return Optional.empty();
          }

          @Override
          public Optional<String> review(Sha256 sha256) {
            return Optional.empty();
          }

          @Override
          public String generation() {
            return "0";
          }
        };
  }
}
