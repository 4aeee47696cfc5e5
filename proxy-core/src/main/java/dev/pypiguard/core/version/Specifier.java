package dev.pypiguard.core.version;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One PEP 440 version specifier clause, such as {@code >=1.2}, {@code ==2.*} or {@code ~=1.4.5},
 * evaluated as {@code packaging.specifiers.Specifier} does with pre-releases allowed.
 *
 * <p>Pre-releases are never filtered out as a whole: this project always evaluates as packaging's
 * {@code contains(v, prereleases=True)}. Only the exclusive-comparison rules of PEP 440 §Exclusive
 * ordered comparison apply, so {@code <2.31} rejects {@code 2.31.0rc1} but accepts {@code
 * 2.30.1rc1}.
 */
public final class Specifier {

  /** A comparison operator of PEP 440 §Version specifiers. */
  public enum Operator {
    /** {@code ~=}, §Compatible release. */
    COMPATIBLE("~="),
    /** {@code ==}, §Version matching, with or without a {@code .*} prefix match. */
    EQUAL("=="),
    /** {@code !=}, §Version exclusion. */
    NOT_EQUAL("!="),
    /** {@code <=}, §Inclusive ordered comparison. */
    LESS_EQUAL("<="),
    /** {@code >=}, §Inclusive ordered comparison. */
    GREATER_EQUAL(">="),
    /** {@code <}, §Exclusive ordered comparison. */
    LESS("<"),
    /** {@code >}, §Exclusive ordered comparison. */
    GREATER(">"),
    /** {@code ===}, §Arbitrary equality: plain string equality. */
    ARBITRARY("===");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    /** The operator as written in a specifier, such as {@code >=}. */
    public String symbol() {
      return symbol;
    }
  }

  /** Longest symbols first, so that {@code ===} is not read as {@code ==} and {@code =1.0}. */
  private static final List<Operator> BY_SYMBOL_LENGTH =
      List.of(
          Operator.ARBITRARY,
          Operator.COMPATIBLE,
          Operator.EQUAL,
          Operator.NOT_EQUAL,
          Operator.LESS_EQUAL,
          Operator.GREATER_EQUAL,
          Operator.LESS,
          Operator.GREATER);

  /** §Version matching: a prefix match names only an epoch and a release. */
  private static final Pattern WILDCARD_PREFIX =
      Pattern.compile("v?(?:[0-9]++!)?[0-9]++(?:\\.[0-9]++)*+", Pattern.CASE_INSENSITIVE);

  private static final Pattern WHITESPACE = Pattern.compile("\\s");

  private final Operator operator;

  /** The version; for a prefix match, the prefix before {@code .*}; empty for {@code ===}. */
  private final Optional<Version> version;

  private final boolean wildcard;

  /** The text after {@code ===}, kept as written because arbitrary equality compares strings. */
  private final String arbitrary;

  private Specifier(
      Operator operator, Optional<Version> version, boolean wildcard, String arbitrary) {
    this.operator = operator;
    this.version = version;
    this.wildcard = wildcard;
    this.arbitrary = arbitrary;
  }

  /**
   * Parses one specifier clause; whitespace around and after the operator is ignored.
   *
   * @throws InvalidSpecifierException if {@code text} is not a valid PEP 440 specifier
   */
  public static Specifier parse(String text) {
    String value = String.valueOf(text);
    String s = value.strip();
    Operator op = null;
    for (Operator candidate : BY_SYMBOL_LENGTH) {
      if (s.startsWith(candidate.symbol())) {
        op = candidate;
        break;
      }
    }
    if (op == null) {
      throw new InvalidSpecifierException(
          value, "an operator (~=, ==, !=, <=, >=, <, >, ===) followed by a version, like >=1.2");
    }
    String rest = s.substring(op.symbol().length()).strip();
    if (rest.isEmpty() || WHITESPACE.matcher(rest).find()) {
      throw new InvalidSpecifierException(
          value, "a single version after " + op.symbol() + ", like " + op.symbol() + "1.2");
    }
    if (op == Operator.ARBITRARY) {
      return new Specifier(op, Optional.empty(), false, rest);
    }
    if (rest.endsWith(".*")) {
      // §Version matching: prefix matching is only defined for == and !=, and only on a
      // release (no pre, post, dev or local segment).
      if (op != Operator.EQUAL && op != Operator.NOT_EQUAL) {
        throw new InvalidSpecifierException(
            value, "a prefix match (.*) only with == or !=, like ==1.2.*");
      }
      String prefix = rest.substring(0, rest.length() - 2);
      if (!WILDCARD_PREFIX.matcher(prefix).matches()) {
        throw new InvalidSpecifierException(
            value,
            "a release before .*, like "
                + op.symbol()
                + "1.2.*, without pre, post, dev or local segments");
      }
      return new Specifier(op, Optional.of(Version.parse(prefix)), true, "");
    }
    Optional<Version> parsed = Version.tryParse(rest);
    if (parsed.isEmpty()) {
      throw new InvalidSpecifierException(
          value, "a PEP 440 version after " + op.symbol() + ", like " + op.symbol() + "1.2.3");
    }
    Version v = parsed.get();
    // §Version specifiers: local labels are only allowed with == and !=.
    if (v.local().isPresent() && op != Operator.EQUAL && op != Operator.NOT_EQUAL) {
      throw new InvalidSpecifierException(
          value, "no local version label (+...) with " + op.symbol() + ", only with == or !=");
    }
    // §Compatible release: "This operator MUST NOT be used with a single segment version".
    if (op == Operator.COMPATIBLE && v.release().size() < 2) {
      throw new InvalidSpecifierException(
          value, "~= with at least two release segments, like ~=1.4");
    }
    return new Specifier(op, Optional.of(v), false, "");
  }

  /** The operator of this clause. */
  public Operator operator() {
    return operator;
  }

  /**
   * The normalized text after the operator: a normalized version, a release followed by {@code .*},
   * or the {@code ===} string as written.
   */
  public String version() {
    if (operator == Operator.ARBITRARY) {
      return arbitrary;
    }
    return version.orElseThrow() + (wildcard ? ".*" : "");
  }

  /** Whether this is a {@code ==X.*} or {@code !=X.*} prefix match. */
  public boolean isWildcard() {
    return wildcard;
  }

  /**
   * Whether {@code v} satisfies this clause, with pre-releases allowed.
   *
   * <p>{@code <}, {@code >}, {@code <=}, {@code >=}, {@code ~=} and prefix matches follow
   * packaging: the inclusive operators and prefix matches compare the public version, so {@code
   * <=1.0} accepts {@code 1.0+local}.
   */
  public boolean contains(Version v) {
    Objects.requireNonNull(v, "v");
    return switch (operator) {
      case ARBITRARY -> v.toString().equalsIgnoreCase(arbitrary);
      case EQUAL -> matchesEqual(v);
      case NOT_EQUAL -> !matchesEqual(v);
      case LESS_EQUAL -> v.publicVersion().compareTo(version.orElseThrow()) <= 0;
      case GREATER_EQUAL -> v.publicVersion().compareTo(version.orElseThrow()) >= 0;
      case LESS -> matchesLess(v);
      case GREATER -> matchesGreater(v);
      case COMPATIBLE -> matchesCompatible(v);
    };
  }

  /** Whether {@code raw}, which need not be a valid version, matches a {@code ===} clause. */
  boolean matchesArbitrary(String raw) {
    return operator == Operator.ARBITRARY && raw.strip().equalsIgnoreCase(arbitrary);
  }

  private boolean matchesEqual(Version v) {
    Version spec = version.orElseThrow();
    if (wildcard) {
      return hasPrefix(v, spec.epoch(), spec.release());
    }
    // §Version matching: without a local label in the specifier, the candidate's local label is
    // ignored; with one, the match is exact.
    return spec.local().isPresent() ? v.equals(spec) : v.publicVersion().equals(spec);
  }

  private boolean matchesLess(Version v) {
    Version spec = version.orElseThrow();
    if (v.compareTo(spec) >= 0) {
      return false;
    }
    // §Exclusive ordered comparison: <V must not allow a pre-release of V itself unless V is a
    // pre-release; as in packaging, "of V" means "with the same base version".
    return spec.isPrerelease() || !v.isPrerelease() || !v.baseVersion().equals(spec.baseVersion());
  }

  private boolean matchesGreater(Version v) {
    Version spec = version.orElseThrow();
    if (v.compareTo(spec) <= 0) {
      return false;
    }
    boolean sameBase = v.baseVersion().equals(spec.baseVersion());
    // §Exclusive ordered comparison: >V must not allow a post-release of V unless V is itself a
    // post-release, and never a local version of V. As in packaging, "of V" means "with the
    // same base version", so >1.0rc1 rejects 1.0.post1 too.
    if (!spec.isPostRelease() && v.isPostRelease() && sameBase) {
      return false;
    }
    return v.local().isEmpty() || !sameBase;
  }

  /**
   * §Compatible release: {@code ~=V.N} is {@code >=V.N, ==V.*}, dropping any pre, post or dev
   * segment and the last release segment to form the prefix.
   */
  private boolean matchesCompatible(Version v) {
    Version spec = version.orElseThrow();
    List<BigInteger> release = spec.release();
    return v.publicVersion().compareTo(spec) >= 0
        && hasPrefix(v, spec.epoch(), release.subList(0, release.size() - 1));
  }

  /**
   * §Version matching prefix match: same epoch, and the candidate's release, padded with zeros,
   * starts with {@code prefix}. Pre, post, dev and local segments of the candidate are ignored.
   */
  private static boolean hasPrefix(Version v, BigInteger epoch, List<BigInteger> prefix) {
    if (!v.epoch().equals(epoch)) {
      return false;
    }
    List<BigInteger> release = v.release();
    for (int i = 0; i < prefix.size(); i++) {
      BigInteger part = i < release.size() ? release.get(i) : BigInteger.ZERO;
      if (!part.equals(prefix.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code o} is the same clause: same operator and same version, where trailing zeros are
   * insignificant except for {@code ~=} and prefix matches, whose meaning they change.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Specifier s && operator == s.operator && key().equals(s.key());
  }

  @Override
  public int hashCode() {
    return Objects.hash(operator, key());
  }

  private Object key() {
    if (operator == Operator.ARBITRARY) {
      return arbitrary.toLowerCase(Locale.ROOT);
    }
    if (wildcard || operator == Operator.COMPATIBLE) {
      return version();
    }
    return version.orElseThrow();
  }

  /** The normalized clause, such as {@code >=1.0rc1} for {@code >= 1.0-RC1}. */
  @Override
  public String toString() {
    return operator.symbol() + version();
  }
}
