package dev.pypiguard.policy.inspection;

import java.util.Locale;
import java.util.Objects;

/**
 * One thing an inspection saw in an archive (README "Artifact inspection").
 *
 * @param rule the check that saw it, one of {@link Check}'s ids ({@code pth-exec})
 * @param severity how unambiguous it is: high findings are what legitimate packages never do
 * @param path the member of the archive it was seen in; empty for the archive as a whole
 * @param message what was seen, for people: {@code line 1 runs decoded code (b64decode, exec)}
 */
public record Finding(String rule, Severity severity, String path, String message) {
  public Finding {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    // A member name comes from the archive: keep what is printed short and on one line.
    path = printable(path, 300);
    message = printable(message, 500);
  }

  /** How unambiguous a finding is. */
  public enum Severity {
    LOW,
    MEDIUM,
    HIGH;

    /** As the policy file and JSON spell it. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One line: {@code pth-exec (high) in x.pth: ...}. */
  public String describe() {
    return rule
        + " ("
        + severity.spelling()
        + ")"
        + (path.isEmpty() ? "" : " in " + path)
        + ": "
        + message;
  }

  static String printable(String s, int max) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), max + 1));
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      b.append(
          c < 0x20 || c == 0x7f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
              ? '?'
              : c);
    }
    if (s.length() > max) {
      b.append('…');
    }
    return b.toString();
  }
}
