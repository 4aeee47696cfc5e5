package dev.pypiguard.core.requirement;

import dev.pypiguard.core.version.InvalidSpecifierException;
import dev.pypiguard.core.version.Specifier;
import dev.pypiguard.core.version.Version;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PEP 508 environment marker ({@code python_version >= "3.8" and sys_platform == "linux"}),
 * parsed once and evaluated against a target environment.
 *
 * <p>Evaluation is three-valued: a variable the target does not fix (no {@code --python} given, or
 * a marker variable this seeder does not model) is unknown, and an unknown result keeps the
 * requirement, since a mirror that holds one file too many is harmless while one too few breaks the
 * offline install.
 */
public sealed interface Marker {
  /** The variables this evaluator models (PEP 508 §Environment Markers). */
  Set<String> VARIABLES =
      Set.of(
          "python_version",
          "python_full_version",
          "sys_platform",
          "platform_system",
          "platform_machine",
          "os_name",
          "implementation_name",
          "platform_python_implementation",
          "platform_release",
          "platform_version",
          "implementation_version",
          "extra");

  /** Three-valued truth. */
  enum Truth {
    TRUE,
    FALSE,
    UNKNOWN;

    static Truth of(boolean b) {
      return b ? TRUE : FALSE;
    }

    Truth and(Truth o) {
      if (this == FALSE || o == FALSE) {
        return FALSE;
      }
      return this == TRUE && o == TRUE ? TRUE : UNKNOWN;
    }

    Truth or(Truth o) {
      if (this == TRUE || o == TRUE) {
        return TRUE;
      }
      return this == FALSE && o == FALSE ? FALSE : UNKNOWN;
    }
  }

  /**
   * What a marker is evaluated against.
   *
   * @param values the variables the target fixes
   * @param extras the extras requested of the distribution whose metadata holds the marker
   */
  record Environment(Map<String, String> values, Set<String> extras) {
    public Environment {
      values = Map.copyOf(values);
      extras = Set.copyOf(extras);
    }
  }

  Truth evaluate(Environment env);

  /** Whether the requirement holding this marker applies: true or unknown. */
  default boolean keeps(Environment env) {
    return evaluate(env) != Truth.FALSE;
  }

  /** {@code a and b}. */
  record And(Marker left, Marker right) implements Marker {
    @Override
    public Truth evaluate(Environment env) {
      return left.evaluate(env).and(right.evaluate(env));
    }
  }

  /** {@code a or b}. */
  record Or(Marker left, Marker right) implements Marker {
    @Override
    public Truth evaluate(Environment env) {
      return left.evaluate(env).or(right.evaluate(env));
    }
  }

  /** One comparison; each side is a variable name or a quoted literal. */
  record Compare(Operand left, String op, Operand right) implements Marker {
    @Override
    public Truth evaluate(Environment env) {
      if (left.variable().equals(Optional.of("extra"))
          || right.variable().equals(Optional.of("extra"))) {
        return extra(env);
      }
      Optional<String> l = left.value(env);
      Optional<String> r = right.value(env);
      if (l.isEmpty() || r.isEmpty()) {
        return Truth.UNKNOWN;
      }
      return Truth.of(compare(l.get(), op, r.get()));
    }

    private Truth extra(Environment env) {
      // PEP 685: extras compare after normalization; the extra is whichever side is a literal.
      Operand literal = left.variable().isPresent() ? right : left;
      String wanted = normalizeExtra(literal.literal().orElse(""));
      boolean has = env.extras().contains(wanted);
      return switch (op) {
        case "==" -> Truth.of(has);
        case "!=" -> Truth.of(!has);
        default -> Truth.UNKNOWN;
      };
    }

    /**
     * PEP 508: version operators compare as PEP 440 when the right side parses as a version
     * (specifier), else as strings; {@code in} and {@code not in} are substring tests.
     */
    static boolean compare(String l, String op, String r) {
      if (op.equals("in")) {
        return r.contains(l);
      }
      if (op.equals("not in")) {
        return !r.contains(l);
      }
      Optional<Version> lv = Version.tryParse(l);
      if (lv.isPresent() && !op.equals("===")) {
        try {
          return Specifier.parse(op + r).contains(lv.get());
        } catch (InvalidSpecifierException e) {
          // not a version on the right: fall through to string comparison
        }
      }
      int c = l.compareTo(r);
      return switch (op) {
        case "==", "===" -> l.equals(r);
        case "!=" -> !l.equals(r);
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        default -> false;
      };
    }
  }

  /** A side of a comparison: a variable or a literal. */
  record Operand(Optional<String> variable, Optional<String> literal) {
    Optional<String> value(Environment env) {
      if (literal.isPresent()) {
        return literal;
      }
      return Optional.ofNullable(env.values().get(variable.orElseThrow()));
    }
  }

  static String normalizeExtra(String extra) {
    return extra.trim().toLowerCase(java.util.Locale.ROOT).replaceAll("[-_.]+", "-");
  }

  /**
   * Parses a marker expression.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  static Marker parse(String text) {
    var p = new MarkerParser(text);
    Marker m = p.or();
    p.skipSpace();
    if (!p.atEnd()) {
      throw new IllegalArgumentException(
          "unexpected \"" + p.rest() + "\" in marker \"" + text + "\"");
    }
    return m;
  }
}
