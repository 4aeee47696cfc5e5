package dev.pypiguard.policy.names;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which popular project a name imitates, if any (README "Look-alike names"): a name that is not
 * popular itself and is, after PEP 503 normalization, one edit (insert, delete, substitute, swap
 * two neighbours) from a popular name of at least 5 characters, two from one of at least 10, or the
 * same in a confusable form: without separators, with {@code python-}/{@code py-} prefixes and
 * {@code -python}/{@code -py} suffixes dropped, and with 0/o, 1/l/i, 3/e, 4/a, 5/s, 7/t, rn/m and
 * vv/w read alike. A bare trailing 2 or 3 ({@code httpx2}) is a weak imitation: forks and
 * successors are named so (httpx2 and httpcore2 are real projects), so it only warns. Immutable and
 * thread-safe.
 */
public final class Lookalikes {
  /** How many of the most popular names are imitation targets; all bundled names are known. */
  static final int TARGETS = 5_000;

  private static final String[] PREFIXES = {"python3-", "python-", "py3-", "py-"};
  private static final String[] SUFFIXES = {"-python3", "-python", "-py3", "-py", "-lib"};

  /**
   * The popular name imitated, and how.
   *
   * @param target the popular project
   * @param how {@code "one edit from"}, {@code "two edits from"} or {@code "a confusable form of"}
   * @param weak whether it is only a version digit added, which warns instead of the action
   */
  public record Imitation(String target, String how, boolean weak) {}

  private final Set<String> known;
  private final List<String> targets;
  private final Map<String, String> canonical = new HashMap<>();

  /** Over the bundled list and {@code extra} popular names (an operator's own). */
  public Lookalikes(List<String> bundled, List<String> extra) {
    this.known = new HashSet<>(bundled);
    known.addAll(extra);
    var t = new ArrayList<String>(extra);
    t.addAll(bundled.subList(0, Math.min(TARGETS, bundled.size())));
    this.targets = List.copyOf(t);
    for (String name : targets) {
      canonical.putIfAbsent(canonical(name), name);
    }
  }

  /** Whether {@code name} (normalized) is popular. */
  public boolean known(String name) {
    return known.contains(name);
  }

  /** The popular project {@code name} (normalized, not popular itself) imitates. */
  public Optional<Imitation> imitation(String name) {
    if (known.contains(name)) {
      return Optional.empty();
    }
    String c = canonical(name);
    String same = canonical.get(c);
    if (same != null && !same.equals(name) && c.length() >= 3) {
      return Optional.of(new Imitation(same, "a confusable form of", false));
    }
    if (name.endsWith("2") || name.endsWith("3")) {
      String bare = name.substring(0, name.length() - 1);
      String weak =
          canonical.get(
              canonical(bare.endsWith("-") ? bare.substring(0, bare.length() - 1) : bare));
      if (weak != null && !weak.equals(name) && bare.length() >= 3) {
        return Optional.of(new Imitation(weak, "a version digit added to", true));
      }
    }
    for (String t : targets) {
      int limit = t.length() >= 10 ? 2 : t.length() >= 5 ? 1 : 0;
      if (limit == 0 || Math.abs(t.length() - name.length()) > limit) {
        continue;
      }
      int d = distance(name, t, limit);
      if (d <= limit) {
        return Optional.of(new Imitation(t, d == 1 ? "one edit from" : "two edits from", false));
      }
    }
    return Optional.empty();
  }

  /** The confusable form of a normalized name. */
  static String canonical(String name) {
    String n = name;
    for (String p : PREFIXES) {
      if (n.startsWith(p) && n.length() > p.length() + 2) {
        n = n.substring(p.length());
        break;
      }
    }
    for (String s : SUFFIXES) {
      if (n.endsWith(s) && n.length() > s.length() + 2) {
        n = n.substring(0, n.length() - s.length());
        break;
      }
    }
    n = n.replace("-", "");
    StringBuilder b = new StringBuilder(n.length());
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      b.append(
          switch (c) {
            case '0' -> 'o';
            case '1', 'i' -> 'l';
            case '3' -> 'e';
            case '4' -> 'a';
            case '5' -> 's';
            case '7' -> 't';
            default -> c;
          });
    }
    return b.toString().replace("rn", "m").replace("vv", "w");
  }

  /** Optimal string alignment distance, or {@code limit + 1} as soon as it must exceed it. */
  static int distance(String a, String b, int limit) {
    int n = a.length();
    int m = b.length();
    int[] prev2 = new int[m + 1];
    int[] prev = new int[m + 1];
    int[] cur = new int[m + 1];
    for (int j = 0; j <= m; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= n; i++) {
      cur[0] = i;
      int best = cur[0];
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        best = Math.min(best, v);
      }
      if (best > limit) {
        return limit + 1;
      }
      int[] t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
    return prev[m];
  }
}
