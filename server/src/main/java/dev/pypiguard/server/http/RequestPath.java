package dev.pypiguard.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A request target split into decoded path segments and the raw query.
 *
 * <p>Segments are percent-decoded one by one (never as form data, so {@code +} stays {@code +}). A
 * target whose decoded segments would contain {@code /}, {@code \}, NUL or control characters, or
 * that has {@code .} or {@code ..} segments, is rejected: no decoding trick reaches a different
 * path than the one the router sees. So is a query with control bytes.
 *
 * <p>{@link Router}'s reader of targets: nothing else reads a request's path.
 */
record RequestPath(List<String> segments, boolean trailingSlash, String rawQuery) {

  static Optional<RequestPath> parse(String target) {
    if (target.isEmpty() || target.charAt(0) != '/') {
      return Optional.empty(); // absolute-form and asterisk-form are not for us
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? "" : target.substring(q + 1);
    int hash = path.indexOf('#');
    if (hash >= 0) {
      path = path.substring(0, hash);
    }
    if (!cleanQuery(query)) {
      return Optional.empty();
    }
    var segments = new ArrayList<String>(4);
    boolean trailing = path.length() > 1 && path.endsWith("/");
    // Segment by segment with indexOf, not String.split: every request is parsed (README "Speed").
    for (int from = 1, slash; from >= 0; from = slash < 0 ? -1 : slash + 1) {
      slash = path.indexOf('/', from);
      String raw = path.substring(from, slash < 0 ? path.length() : slash);
      if (raw.isEmpty()) {
        if (slash < 0) {
          break; // trailing slash
        }
        return Optional.empty(); // "//" is not a path we serve
      }
      Optional<String> seg = decode(raw);
      if (seg.isEmpty()) {
        return Optional.empty();
      }
      String s = seg.get();
      if (s.equals(".") || s.equals("..")) {
        return Optional.empty();
      }
      for (int c = 0; c < s.length(); c++) {
        char ch = s.charAt(c);
        if (ch == '/' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
          return Optional.empty();
        }
      }
      segments.add(s);
    }
    // Wrapped, not copied: the list is this parse's own (a copy per request showed in profiles).
    return Optional.of(new RequestPath(Collections.unmodifiableList(segments), trailing, query));
  }

  /**
   * A query with control bytes, raw or percent-encoded, is refused (400): it can only be an attack
   * on whatever later reads or logs it (issue 14).
   */
  private static boolean cleanQuery(String query) {
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return false;
      }
      if (c == '%' && i + 2 < query.length()) {
        int hi = Character.digit(query.charAt(i + 1), 16);
        int lo = Character.digit(query.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0 && (hi * 16 + lo < 0x20 || hi * 16 + lo == 0x7f)) {
          return false;
        }
      }
    }
    return true;
  }

  private static Optional<String> decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return Optional.of(raw);
    }
    var out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        return Optional.empty(); // raw non-ASCII is not a valid request target
      }
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(out.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** The value of a query parameter, percent-decoded with {@code +} kept as {@code +}. */
  Optional<String> query(String name) {
    if (rawQuery.isEmpty()) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (decode(k).filter(name::equals).isPresent()) {
        return decode(eq < 0 ? "" : pair.substring(eq + 1));
      }
    }
    return Optional.empty();
  }

  /** Percent-encodes a path segment: unreserved characters and {@code +!} stay as they are. */
  static String encode(String segment) {
    var sb = new StringBuilder(segment.length() + 8);
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == '+'
          || c == '!') {
        sb.append((char) c);
      } else {
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
