package dev.pypiguard.core.simple;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/** URL and file-name checks shared by the JSON and HTML codecs, so both accept the same links. */
final class SimpleUrls {
  private SimpleUrls() {}

  /**
   * Resolves {@code ref} against {@code base} (RFC 3986 §5), returning the absolute URL when it is
   * an http(s) URL with a host, and empty otherwise.
   *
   * <p>Only http and https are usable: a hostile page must not make the proxy fetch {@code file:}
   * or {@code jar:} URLs. A reference that is not a valid URI only because of characters browsers
   * tolerate (spaces, non-ASCII) is percent-encoded first.
   */
  static Optional<URI> resolve(URI base, String ref) {
    String trimmed = ref.strip();
    if (trimmed.isEmpty()) {
      return Optional.empty();
    }
    URI relative;
    try {
      relative = parse(trimmed);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    URI resolved;
    try {
      resolved = fixEmptyPath(base).resolve(relative);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.of(resolved).filter(u -> usable(u) || bothLocal(base, u));
  }

  /**
   * Whether a {@code file:} page links to a {@code file:} URL: a local mirror ({@code --upstream
   * file:DIR}) links to its own files, and the upstream client confines such reads to the mirror. A
   * page from an http(s) upstream can never produce one.
   */
  private static boolean bothLocal(URI base, URI resolved) {
    return "file".equalsIgnoreCase(base.getScheme())
        && !base.isOpaque()
        && "file".equalsIgnoreCase(resolved.getScheme())
        && !resolved.isOpaque();
  }

  /** Whether a URL is absolute http(s) with a host. */
  static boolean usable(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null || uri.isOpaque() || uri.getRawAuthority() == null) {
      return false;
    }
    String s = scheme.toLowerCase(Locale.ROOT);
    return s.equals("http") || s.equals("https");
  }

  /**
   * Whether a file name is safe to use as one: not empty, no path separators, no control
   * characters, not {@code .} or {@code ..}. Later stages store files under their names.
   */
  static boolean safeFilename(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** The last non-empty path segment of a URL, percent-decoded, or "" when it has none. */
  static String lastSegment(URI uri) {
    String path = uri.getPath();
    if (path == null) {
      return "";
    }
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(path.lastIndexOf('/', end - 1) + 1, end);
  }

  private static URI parse(String ref) throws URISyntaxException {
    try {
      return new URI(ref);
    } catch (URISyntaxException e) {
      return new URI(encodeIllegal(ref));
    }
  }

  /** The JDK resolves "x" against "http://h" to "http://hx"; RFC 3986 §5.2.3 says "/x". */
  private static URI fixEmptyPath(URI base) {
    if (!base.isOpaque() && base.getRawAuthority() != null && base.getRawPath().isEmpty()) {
      return URI.create(base.getScheme() + "://" + base.getRawAuthority() + "/");
    }
    return base;
  }

  /** Percent-encodes the characters RFC 3986 forbids in a URI reference, leaving valid escapes. */
  private static String encodeIllegal(String ref) {
    var out = new StringBuilder(ref.length() + 16);
    byte[] bytes = ref.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean validEscape =
          b == '%' && i + 2 < bytes.length && hex(bytes[i + 1]) && hex(bytes[i + 2]);
      if (validEscape || (b > 0x20 && b < 0x7f && "\"<>\\^`{|}%".indexOf(b) < 0)) {
        out.append((char) b);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static boolean hex(byte b) {
    return "0123456789abcdefABCDEF".indexOf(b) >= 0;
  }

  /** Whether {@code s} is a non-empty string of hex digits. */
  static boolean isHex(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      // ASCII only: Character.digit also accepts non-ASCII digits.
      if ("0123456789abcdefABCDEF".indexOf(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }
}
