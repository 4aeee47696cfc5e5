package dev.pypiguard.core.requirement;

import java.util.List;
import java.util.Optional;

/** A recursive-descent parser of the PEP 508 marker grammar ({@code marker_or} and below). */
final class MarkerParser {
  private static final List<String> OPERATORS =
      List.of("===", "==", "!=", "<=", ">=", "~=", "<", ">");

  private final String text;
  private int pos;

  MarkerParser(String text) {
    this.text = text;
  }

  Marker or() {
    Marker left = and();
    while (keyword("or")) {
      left = new Marker.Or(left, and());
    }
    return left;
  }

  private Marker and() {
    Marker left = atom();
    while (keyword("and")) {
      left = new Marker.And(left, atom());
    }
    return left;
  }

  private Marker atom() {
    skipSpace();
    if (peek('(')) {
      pos++;
      Marker inner = or();
      skipSpace();
      if (!peek(')')) {
        throw error("expected )");
      }
      pos++;
      return inner;
    }
    Marker.Operand left = operand();
    skipSpace();
    String op = null;
    int save = pos;
    if (keyword("not")) {
      if (keyword("in")) {
        op = "not in";
      } else {
        pos = save;
      }
    }
    if (op == null && keyword("in")) {
      op = "in";
    }
    for (int i = 0; op == null && i < OPERATORS.size(); i++) {
      if (text.startsWith(OPERATORS.get(i), pos)) {
        op = OPERATORS.get(i);
        pos += op.length();
      }
    }
    if (op == null) {
      throw error("expected a comparison operator");
    }
    Marker.Operand right = operand();
    return new Marker.Compare(left, op, right);
  }

  private Marker.Operand operand() {
    skipSpace();
    if (peek('"') || peek('\'')) {
      char quote = text.charAt(pos++);
      int end = text.indexOf(quote, pos);
      if (end < 0) {
        throw error("unterminated string");
      }
      String s = text.substring(pos, end);
      pos = end + 1;
      return new Marker.Operand(Optional.empty(), Optional.of(s));
    }
    int start = pos;
    while (pos < text.length()
        && (Character.isLetterOrDigit(text.charAt(pos))
            || text.charAt(pos) == '_'
            || text.charAt(pos) == '.')) {
      pos++;
    }
    String name = text.substring(start, pos);
    if (name.isEmpty()) {
      throw error("expected a marker variable or a quoted string");
    }
    // Legacy dotted names (os.name, sys.platform) were accepted by setuptools; map them.
    name = name.replace('.', '_');
    if (!Marker.VARIABLES.contains(name)) {
      throw error("unknown marker variable " + name);
    }
    return new Marker.Operand(Optional.of(name), Optional.empty());
  }

  private boolean keyword(String word) {
    skipSpace();
    if (text.startsWith(word, pos)
        && (pos + word.length() == text.length()
            || !Character.isLetterOrDigit(text.charAt(pos + word.length())))) {
      pos += word.length();
      return true;
    }
    return false;
  }

  void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private boolean peek(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  boolean atEnd() {
    return pos >= text.length();
  }

  String rest() {
    return text.substring(pos);
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(
        what + " at position " + pos + " in marker \"" + text + "\"");
  }
}
