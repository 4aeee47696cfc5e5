package dev.pypiguard.core.version;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEP 440 version, parsed, normalized and ordered as {@code packaging.version.Version} does.
 *
 * <p>Equality, ordering and {@link #hashCode()} follow PEP 440 §Version scheme: trailing zeros of
 * the release are insignificant ({@code 1.0 == 1.0.0}), developmental releases sort before
 * pre-releases, which sort before the final release, which sorts before post-releases, and a local
 * version sorts after the public version it labels. {@link #toString()} is the normalized form (PEP
 * 440 §Normalization). Numbers are {@link BigInteger} because PEP 440 puts no bound on them and
 * date-based releases such as {@code 20240101120000} already overflow an {@code int}.
 */
public final class Version implements Comparable<Version> {

  /*
   * The grammar is PEP 440 Appendix B's permissive pattern, which accepts every spelling that
   * §Normalization maps to a canonical form. Quantifiers on the release and local repetitions are
   * possessive so that very long inputs cannot overflow the regex engine's stack.
   */
  private static final Pattern PATTERN =
      Pattern.compile(
          "v?"
              + "(?:(?<epoch>[0-9]++)!)?"
              + "(?<release>[0-9]++(?:\\.[0-9]++)*+)"
              + "(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?"
              + "(?<post>-(?<postN1>[0-9]+)|[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?)?"
              + "(?<dev>[-_.]?dev[-_.]?(?<devN>[0-9]+)?)?"
              + "(?:\\+(?<local>[a-z0-9]++(?:[-_.][a-z0-9]++)*+))?",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern LOCAL_SEPARATOR = Pattern.compile("[-_.]");

  private final BigInteger epoch;
  private final List<BigInteger> release;
  private final Optional<PreRelease> pre;
  private final Optional<BigInteger> post;
  private final Optional<BigInteger> dev;

  /** Normalized local segments: lower case, numeric ones without leading zeros. */
  private final List<String> local;

  private Version(
      BigInteger epoch,
      List<BigInteger> release,
      Optional<PreRelease> pre,
      Optional<BigInteger> post,
      Optional<BigInteger> dev,
      List<String> local) {
    this.epoch = epoch;
    this.release = List.copyOf(release);
    this.pre = pre;
    this.post = post;
    this.dev = dev;
    this.local = List.copyOf(local);
  }

  /**
   * Parses a version in any spelling PEP 440 §Normalization accepts.
   *
   * @throws InvalidVersionException if {@code text} is not a PEP 440 version
   */
  public static Version parse(String text) {
    return tryParse(text).orElseThrow(() -> new InvalidVersionException(String.valueOf(text)));
  }

  /** Parses a version, or returns empty when {@code text} is not a PEP 440 version. */
  public static Optional<Version> tryParse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    // §Leading and trailing whitespace: silently ignored.
    Matcher m = PATTERN.matcher(text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    BigInteger epoch =
        m.group("epoch") == null ? BigInteger.ZERO : new BigInteger(m.group("epoch"));
    List<BigInteger> release = new ArrayList<>();
    for (String part : m.group("release").split("\\.", -1)) {
      release.add(new BigInteger(part));
    }
    Optional<PreRelease> pre = Optional.empty();
    if (m.group("pre") != null) {
      // §Pre-release spelling: alpha -> a, beta -> b, c/pre/preview -> rc; §Implicit
      // pre-release number: a missing number is 0.
      String letter =
          switch (m.group("preL").toLowerCase(Locale.ROOT)) {
            case "alpha", "a" -> "a";
            case "beta", "b" -> "b";
            default -> "rc";
          };
      pre = Optional.of(new PreRelease(letter, number(m.group("preN"))));
    }
    Optional<BigInteger> post = Optional.empty();
    if (m.group("post") != null) {
      // §Post-release spelling: post/rev/r are the same; §Implicit post releases: "1.0-1".
      String n = m.group("postN1") != null ? m.group("postN1") : m.group("postN2");
      post = Optional.of(number(n));
    }
    Optional<BigInteger> dev =
        m.group("dev") == null ? Optional.empty() : Optional.of(number(m.group("devN")));
    List<String> local = new ArrayList<>();
    if (m.group("local") != null) {
      // §Local version segments: separators normalize to '.', and numeric segments are
      // compared (and so printed) as integers.
      for (String part : LOCAL_SEPARATOR.split(m.group("local"), -1)) {
        local.add(isDigits(part) ? new BigInteger(part).toString() : part.toLowerCase(Locale.ROOT));
      }
    }
    return Optional.of(new Version(epoch, release, pre, post, dev, local));
  }

  private static BigInteger number(String digits) {
    return digits == null ? BigInteger.ZERO : new BigInteger(digits);
  }

  private static boolean isDigits(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** The epoch, zero when the version has none. */
  public BigInteger epoch() {
    return epoch;
  }

  /** The release segment as written, including any trailing zeros. */
  public List<BigInteger> release() {
    return release;
  }

  /** The pre-release segment, if any. */
  public Optional<PreRelease> pre() {
    return pre;
  }

  /** The post-release number, if this is a post-release. */
  public Optional<BigInteger> post() {
    return post;
  }

  /** The developmental release number, if this is a developmental release. */
  public Optional<BigInteger> dev() {
    return dev;
  }

  /** The normalized local version label (after the {@code +}), if any. */
  public Optional<String> local() {
    return local.isEmpty() ? Optional.empty() : Optional.of(String.join(".", local));
  }

  /** Whether this is a pre-release: it has a pre-release or a developmental segment. */
  public boolean isPrerelease() {
    return pre.isPresent() || dev.isPresent();
  }

  /** Whether this is a post-release. */
  public boolean isPostRelease() {
    return post.isPresent();
  }

  /** Whether this is a developmental release. */
  public boolean isDevRelease() {
    return dev.isPresent();
  }

  /** This version without its local label (PEP 440 §Local version identifiers). */
  public Version publicVersion() {
    return local.isEmpty() ? this : new Version(epoch, release, pre, post, dev, List.of());
  }

  /** The epoch and release only, as packaging's {@code base_version}. */
  public Version baseVersion() {
    if (pre.isEmpty() && post.isEmpty() && dev.isEmpty() && local.isEmpty()) {
      return this;
    }
    return new Version(
        epoch, release, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
  }

  /** Compares by PEP 440 ordering (§Summary of permitted suffixes and relative ordering). */
  @Override
  public int compareTo(Version other) {
    int c = epoch.compareTo(other.epoch);
    if (c != 0) {
      return c;
    }
    // Trailing zeros are insignificant (§Release segment), so pad the shorter with zeros.
    int n = Math.max(release.size(), other.release.size());
    for (int i = 0; i < n; i++) {
      c = releaseAt(i).compareTo(other.releaseAt(i));
      if (c != 0) {
        return c;
      }
    }
    c = Integer.compare(preRank(), other.preRank());
    if (c != 0) {
      return c;
    }
    if (pre.isPresent()) {
      c = pre.get().compareTo(other.pre.get());
      if (c != 0) {
        return c;
      }
    }
    // No post-release sorts before any post-release.
    c = compareOptional(post, other.post, -1);
    if (c != 0) {
      return c;
    }
    // No dev segment sorts after any dev segment (1.0.dev1 < 1.0, 1.0a1.dev1 < 1.0a1).
    c = compareOptional(dev, other.dev, 1);
    if (c != 0) {
      return c;
    }
    return compareLocal(local, other.local);
  }

  /**
   * The rank of the pre-release slot: a bare developmental release (no pre, no post) sorts before
   * every pre-release of the same release, so that {@code 1.0.dev0 < 1.0a0}; a version without a
   * pre-release otherwise sorts after all of them.
   */
  private int preRank() {
    if (pre.isPresent()) {
      return 1;
    }
    return post.isEmpty() && dev.isPresent() ? 0 : 2;
  }

  private BigInteger releaseAt(int i) {
    return i < release.size() ? release.get(i) : BigInteger.ZERO;
  }

  /** Compares optional numbers where an absent value sorts at {@code absentSign} infinity. */
  private static int compareOptional(
      Optional<BigInteger> a, Optional<BigInteger> b, int absentSign) {
    if (a.isPresent() && b.isPresent()) {
      return a.get().compareTo(b.get());
    }
    if (a.isEmpty() && b.isEmpty()) {
      return 0;
    }
    return a.isEmpty() ? absentSign : -absentSign;
  }

  /**
   * PEP 440 §Local version identifiers: segment by segment, alphanumeric segments compare lexically
   * and sort before numeric ones, numeric ones compare as numbers, and when one label is a prefix
   * of the other the longer sorts last. No label sorts before any label.
   */
  private static int compareLocal(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      String x = a.get(i);
      String y = b.get(i);
      boolean xn = isDigits(x);
      boolean yn = isDigits(y);
      int c;
      if (xn && yn) {
        c = new BigInteger(x).compareTo(new BigInteger(y));
      } else if (xn != yn) {
        c = xn ? 1 : -1;
      } else {
        c = x.compareTo(y);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Whether {@code o} is the same PEP 440 version: {@code 1.0} equals {@code 1.0.0}. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Version v && compareTo(v) == 0;
  }

  @Override
  public int hashCode() {
    int size = release.size();
    while (size > 1 && release.get(size - 1).signum() == 0) {
      size--;
    }
    // Hash only what compareTo looks at, with trailing release zeros removed.
    return Objects.hash(epoch, release.subList(0, size), pre, post, dev, local);
  }

  /** The normalized form, as {@code str()} of packaging's {@code Version}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (epoch.signum() != 0) {
      sb.append(epoch).append('!');
    }
    for (int i = 0; i < release.size(); i++) {
      if (i > 0) {
        sb.append('.');
      }
      sb.append(release.get(i));
    }
    pre.ifPresent(sb::append);
    post.ifPresent(p -> sb.append(".post").append(p));
    dev.ifPresent(d -> sb.append(".dev").append(d));
    if (!local.isEmpty()) {
      sb.append('+').append(String.join(".", local));
    }
    return sb.toString();
  }
}
