package dev.pypiguard.server.http;

import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.Reason;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a pip user reads about a block (README "Blocks a pip user can understand"): every rule and
 * its message, the date the block lifts when it lifts by itself, and where to read more: {@code
 * release-age: uploaded 2 days ago, minimum is 7 days; allowed from 2026-12-08 14:03 UTC; see
 * https://pypi.example.com/-/explain/flask}. The same words go into a 403's reason phrase and body
 * and, with {@code files.blocked: yank}, into the PEP 592 yank reason on the page.
 */
final class BlockNotice {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /**
   * The rules whose blocks may be shown as yanked: they say nothing bad of the file itself. A file
   * blocked as malicious, vulnerable, badly attested or unverifiable stays off the page, so that no
   * client (nor its HTTP cache) is pointed at it.
   */
  private static final Set<String> SHOWN = Set.of("release-age", "versions", "sdists");

  private BlockNotice() {}

  static String text(Decision.Block block, String base, String project) {
    StringBuilder out = new StringBuilder(block.summary());
    lifts(block).ifPresent(t -> out.append("; allowed from ").append(WHEN.format(t)));
    return out.append("; see ").append(base).append("/-/explain/").append(project).toString();
  }

  /** When every reason lifts by itself, the latest of those times; otherwise empty. */
  static Optional<Instant> lifts(Decision.Block block) {
    Instant latest = null;
    for (Reason r : block.reasons()) {
      if (r.lifts().isEmpty()) {
        return Optional.empty();
      }
      latest = latest == null || r.lifts().get().isAfter(latest) ? r.lifts().get() : latest;
    }
    return Optional.ofNullable(latest);
  }

  /** Whether {@code files.blocked: yank} may show this block on the page. */
  static boolean showable(Decision.Block block) {
    return block.reasons().stream().allMatch(r -> SHOWN.contains(r.rule()));
  }
}
