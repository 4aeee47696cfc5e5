package dev.pypiguard.core.simple;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PEP 691 content negotiation: which {@link SimpleFormat} to answer a client with, which {@code
 * Accept} header to send upstream, and how to read the upstream's {@code Content-Type}.
 *
 * <p>Choosing follows PEP 691 §Version + Format Selection and RFC 9110 §12.5.1:
 *
 * <ul>
 *   <li>The {@code format} URL parameter, when present and not blank, overrides {@code Accept}. It
 *       must name one of the three types or a {@code latest} alias (case-insensitively); anything
 *       else yields empty (406). A space stands for {@code +}, because PEP 691 writes the value
 *       with a literal {@code +} that form decoding turns into a space.
 *   <li>No {@code Accept}, a blank one, or one with no syntactically valid media range means {@code
 *       text/html}, PEP 691's default for clients that do not negotiate.
 *   <li>Each format takes the q of the most specific range that matches it (exact type, then {@code
 *       type/*}, then {@code *}{@code /*}); among equally specific ranges, the highest q. {@code
 *       application/vnd.pypi.simple.latest+json} and {@code +html} count as exact ranges for the v1
 *       types. Media-type parameters other than {@code q} are ignored.
 *   <li>A q that is not a decimal between 0 and 1 is treated as 1, as if absent: the client named
 *       the type, so it wants it. q=0 means "not acceptable".
 *   <li>The highest q wins. Ties go first to a type the client named explicitly, in the order JSON
 *       v1, HTML v1, {@code text/html} (a client that names JSON is a PEP 691 client); then to
 *       wildcard matches in the order {@code text/html}, HTML v1, JSON v1 (so {@code *}{@code /*}
 *       alone gets {@code text/html} and {@code application/*} gets HTML v1).
 *   <li>When no format has q above 0, the answer is empty and the server replies 406.
 * </ul>
 */
public final class Negotiation {
  private static final String JSON_LATEST = "application/vnd.pypi.simple.latest+json";
  private static final String HTML_LATEST = "application/vnd.pypi.simple.latest+html";

  /** pip's header: JSON preferred, then the v1 HTML type, then legacy HTML as a last resort. */
  private static final String UPSTREAM_ACCEPT =
      SimpleFormat.JSON_V1.mediaType()
          + ", "
          + SimpleFormat.HTML_V1.mediaType()
          + "; q=0.1, "
          + SimpleFormat.HTML_LEGACY.mediaType()
          + "; q=0.01";

  private Negotiation() {}

  /**
   * The format to answer with, or empty when nothing the client accepts can be served (406).
   *
   * @param acceptHeaderOrNull the request's {@code Accept} header, null when it had none
   * @param formatParam the {@code format} query parameter, already URL-decoded
   */
  public static Optional<SimpleFormat> choose(
      String acceptHeaderOrNull, Optional<String> formatParam) {
    Optional<String> format = formatParam.map(String::strip).filter(f -> !f.isEmpty());
    if (format.isPresent()) {
      return byMediaType(format.get().replace(' ', '+'));
    }
    List<Range> ranges = acceptHeaderOrNull == null ? List.of() : parseAccept(acceptHeaderOrNull);
    if (ranges.isEmpty()) {
      return Optional.of(SimpleFormat.HTML_LEGACY);
    }
    Map<SimpleFormat, Match> matches = new EnumMap<>(SimpleFormat.class);
    for (SimpleFormat f : SimpleFormat.values()) {
      bestMatch(f, ranges).filter(m -> m.q > 0).ifPresent(m -> matches.put(f, m));
    }
    return matches.entrySet().stream()
        .min(
            (a, b) -> {
              int byQ = Double.compare(b.getValue().q, a.getValue().q);
              return byQ != 0 ? byQ : Integer.compare(tieRank(a), tieRank(b));
            })
        .map(Map.Entry::getKey);
  }

  /** The {@code Accept} header the proxy sends upstream: JSON v1, then v1 HTML, then text/html. */
  public static String upstreamAccept() {
    return UPSTREAM_ACCEPT;
  }

  /**
   * The format of an upstream response from its {@code Content-Type} (parameters such as {@code
   * charset} ignored); HTML when the type is missing or unknown, since PEP 503 servers send all
   * sorts of HTML types.
   *
   * <p>Any JSON type ({@code application/json}, any {@code +json}) reads as JSON v1: parsing a JSON
   * body as HTML would silently find no files, while the JSON parser rejects a non-PEP 691 body
   * loudly.
   */
  public static SimpleFormat ofContentType(String contentTypeOrNull) {
    if (contentTypeOrNull == null) {
      return SimpleFormat.HTML_LEGACY;
    }
    String type = mediaType(contentTypeOrNull);
    if (type.equals("application/json") || type.endsWith("+json")) {
      return SimpleFormat.JSON_V1;
    }
    if (type.equals(SimpleFormat.HTML_V1.mediaType()) || type.equals(HTML_LATEST)) {
      return SimpleFormat.HTML_V1;
    }
    return SimpleFormat.HTML_LEGACY;
  }

  // ---- format parameter ----------------------------------------------------------------------

  private static Optional<SimpleFormat> byMediaType(String value) {
    String type = value.toLowerCase(Locale.ROOT);
    for (SimpleFormat f : SimpleFormat.values()) {
      if (names(f).contains(type)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** The media types that name a format exactly: its own and its PEP 691 {@code latest} alias. */
  private static List<String> names(SimpleFormat f) {
    return switch (f) {
      case JSON_V1 -> List.of(f.mediaType(), JSON_LATEST);
      case HTML_V1 -> List.of(f.mediaType(), HTML_LATEST);
      case HTML_LEGACY -> List.of(f.mediaType());
    };
  }

  // ---- Accept --------------------------------------------------------------------------------

  /** One media range of an Accept header, lower-cased, with its q. */
  private record Range(String type, String subtype, double q) {}

  /** How a format matched: the range's specificity (2 exact, 1 type/*, 0 *{@code /*}) and q. */
  private record Match(int specificity, double q) {}

  private static Optional<Match> bestMatch(SimpleFormat f, List<Range> ranges) {
    Match best = null;
    for (Range r : ranges) {
      int specificity = specificity(f, r);
      if (specificity < 0) {
        continue;
      }
      if (best == null
          || specificity > best.specificity
          || (specificity == best.specificity && r.q > best.q)) {
        best = new Match(specificity, r.q);
      }
    }
    return Optional.ofNullable(best);
  }

  private static int specificity(SimpleFormat f, Range r) {
    if (r.type.equals("*")) {
      return r.subtype.equals("*") ? 0 : -1;
    }
    if (r.subtype.equals("*")) {
      return f.mediaType().startsWith(r.type + "/") ? 1 : -1;
    }
    return names(f).contains(r.type + "/" + r.subtype) ? 2 : -1;
  }

  /** Tie-break among equal q, lower first; see the class comment. */
  private static int tieRank(Map.Entry<SimpleFormat, Match> e) {
    boolean explicit = e.getValue().specificity == 2;
    return switch (e.getKey()) {
      case JSON_V1 -> explicit ? 0 : 5;
      case HTML_V1 -> explicit ? 1 : 4;
      case HTML_LEGACY -> explicit ? 2 : 3;
    };
  }

  private static List<Range> parseAccept(String header) {
    var ranges = new ArrayList<Range>();
    for (String element : split(header, ',')) {
      List<String> parts = split(element, ';');
      String[] typeAndSub = parts.get(0).strip().toLowerCase(Locale.ROOT).split("/", -1);
      if (typeAndSub.length != 2
          || !isToken(typeAndSub[0])
          || !isToken(typeAndSub[1])
          || (typeAndSub[0].equals("*") && !typeAndSub[1].equals("*"))) {
        continue; // RFC 9110 §5.6.1: a recipient ignores invalid list elements
      }
      double q = 1.0;
      for (String param : parts.subList(1, parts.size())) {
        int eq = param.indexOf('=');
        if (eq > 0 && param.substring(0, eq).strip().equalsIgnoreCase("q")) {
          q = qValue(param.substring(eq + 1).strip());
          break; // RFC 9110 §12.4.2: parameters after q are accept extensions
        }
      }
      ranges.add(new Range(typeAndSub[0], typeAndSub[1], q));
    }
    return ranges;
  }

  /** RFC 9110 §12.4.2 weight; anything but a decimal in [0, 1] is treated as 1. */
  private static double qValue(String s) {
    int dots = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.') {
        dots++;
      } else if (c < '0' || c > '9') {
        return 1.0;
      }
    }
    if (s.isEmpty() || dots > 1 || s.charAt(0) == '.') {
      return 1.0;
    }
    double q = Double.parseDouble(s);
    return q <= 1.0 ? q : 1.0;
  }

  /** RFC 9110 §5.6.2 token characters. */
  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The lower-cased type/subtype of a Content-Type or media range, without parameters. */
  private static String mediaType(String value) {
    return split(value, ';').get(0).strip().toLowerCase(Locale.ROOT);
  }

  /** Splits on {@code sep} outside quoted strings (RFC 9110 §5.6.4), keeping empty parts. */
  private static List<String> split(String s, char sep) {
    var parts = new ArrayList<String>();
    var current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\' && i + 1 < s.length()) {
        current.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == '"') {
        quoted = !quoted;
      } else if (c == sep && !quoted) {
        parts.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    parts.add(current.toString());
    return parts;
  }
}
