package dev.pypiguard.policy.inspection;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Python text (modules, build hooks, .pth lines) for what malicious uploads do, without
 * running or parsing it: a few compiled patterns and one linear scan for long encoded strings. The
 * patterns are ideas common to GuardDog's and others' heuristics, written for this proxy.
 */
final class PythonText {
  private PythonText() {}

  /** A call of exec, eval or compile (not {@code re.compile}, not {@code obj.eval(}). */
  static final Pattern EXEC =
      Pattern.compile("(?<![\\w.])(?:exec|eval|compile)\\s*\\(|__builtins__\\W{1,4}(?:exec|eval)");

  /** Decoding that turns data into code or bytes: base64, marshal, zlib and friends. */
  static final Pattern DECODE =
      Pattern.compile(
          "b(?:64|32|16|85)decode|a85decode|decodebytes|decodestring|marshal\\.loads|zlib\\.decompress"
              + "|lzma\\.decompress|bz2\\.decompress|gzip\\.decompress|bytes\\.fromhex|unhexlify|a2b_(?:base64|hex)"
              + "|codecs\\.decode\\s*\\([^)]*['\"](?:rot.?13|hex|base64|zlib|bz2)"
              + "|__import__\\s*\\(\\s*['\"](?:base64|marshal|zlib|codecs|lzma|binascii)['\"]");

  static final Pattern NETWORK =
      Pattern.compile(
          "urllib\\.request|urlopen\\s*\\(|urlretrieve\\s*\\(|\\brequests\\.(?:get|post)\\s*\\(|http\\.client|\\bhttplib\\b"
              + "|socket\\.socket\\s*\\(|socket\\.create_connection|\\bftplib\\b|Invoke-WebRequest|\\b(?:curl|wget)\\s+-?\\S*\\s*https?://"
              + "|(?:import|from)\\s+(?:requests|urllib3|httpx|aiohttp)\\b");
  static final Pattern PROCESS =
      Pattern.compile(
          "subprocess\\.|os\\.system\\s*\\(|os\\.popen\\s*\\(|os\\.exec[lv]p?e?\\s*\\(|os\\.spawn|\\bPopen\\s*\\(|pty\\.spawn"
              + "|(?:import|from)\\s+subprocess\\b");

  /** Files a build has no business writing: shell start-up, keys, system paths, site hooks. */
  static final Pattern OUTSIDE =
      Pattern.compile(
          "\\.bashrc|\\.zshrc|\\.bash_profile|['\"]~/\\.profile|\\.ssh/|/etc/(?:passwd|shadow|sudoers|cron|profile|rc\\.local|systemd)"
              + "|sitecustomize|usercustomize|\\.config/autostart|LaunchAgents|CurrentVersion\\\\\\\\Run|crontab\\s");

  /** Obfuscation markers, looked for around a cheap literal hit ({@link #obfuscation}). */
  private static final Pattern OBFUSCATION =
      Pattern.compile(
          "pyarmor|__pyarmor__|\\bexec\\s*\\(\\s*['\"]{2}\\.join\\s*\\(\\s*(?:map\\s*\\(\\s*)?chr"
              + "|lambda\\s+_+\\s*:\\s*__import__|__import__\\s*\\(\\s*['\"]\\\\x");

  /** Shortest base64 or hex run reported as an encoded blob. */
  static final int BLOB = 8_192;

  /** The first match of {@code p} in {@code text}, for a message. */
  static Optional<String> first(Pattern p, CharSequence text) {
    Matcher m = p.matcher(text);
    return m.find() ? Optional.of(m.group()) : Optional.empty();
  }

  /**
   * Where the first exec, eval or compile call runs decoded data: the call found by {@code indexOf}
   * (Java's regex engine is far slower on megabytes of code), then the decoding looked for in the
   * two lines around it, where {@code data = b64decode(x)} then {@code exec(data)} usually stand.
   */
  static Optional<String> decodeExec(String text) {
    for (String word : CALLS) {
      int from = 0;
      int at;
      while ((at = text.indexOf(word, from)) >= 0) {
        from = at + word.length();
        if (!isCall(text, at, word.length())) {
          continue;
        }
        String window = lines(text, at, 2);
        Matcher d = DECODE.matcher(window);
        if (d.find()) {
          return Optional.of(
              "line " + lineOf(text, at) + " executes decoded data (" + d.group() + ")");
        }
      }
    }
    return Optional.empty();
  }

  private static final String[] CALLS = {"exec", "eval", "compile"};

  /**
   * Whether {@code text[at..at+len]} is a call of a builtin, not {@code re.compile(} or {@code
   * exec_x(}.
   */
  private static boolean isCall(String text, int at, int len) {
    if (at > 0) {
      char before = text.charAt(at - 1);
      if (Character.isLetterOrDigit(before) || before == '_' || before == '.') {
        return false;
      }
    }
    int i = at + len;
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i++;
    }
    return i < text.length() && text.charAt(i) == '(';
  }

  /** The line holding {@code at} with {@code around} lines either side. */
  static String lines(String text, int at, int around) {
    int start = at;
    for (int k = 0; k <= around && start > 0; k++) {
      start = text.lastIndexOf('\n', start - 1);
      if (start < 0) {
        start = 0;
        break;
      }
    }
    int end = at;
    for (int k = 0; k <= around && end >= 0 && end < text.length(); k++) {
      end = text.indexOf('\n', end + 1);
    }
    return text.substring(start, end < 0 ? text.length() : end);
  }

  private static int lineOf(String text, int at) {
    int n = 1;
    for (int i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
      n++;
    }
    return n;
  }

  /**
   * The first obfuscation marker: PyArmor, chr-joined exec, lambda-import tricks, O0O0 or Il1l
   * names, bidi controls.
   */
  static Optional<String> obfuscation(String text) {
    for (String literal : new String[] {"pyarmor", "'.join(", "\".join(", "__import__"}) {
      int at = text.indexOf(literal);
      while (at >= 0) {
        Matcher m = OBFUSCATION.matcher(lines(text, at, 0));
        if (m.find()) {
          return Optional.of(m.group());
        }
        at = text.indexOf(literal, at + literal.length());
      }
    }
    return Shape.of(text).marker();
  }

  /** The module and member checks that apply to any Python text. */
  static void module(String path, String text, List<Finding> out) {
    decodeExec(text).ifPresent(m -> out.add(Check.DECODE_EXEC.at(path, m)));
    obfuscation(text)
        .ifPresent(m -> out.add(Check.OBFUSCATION.at(path, "obfuscation marker \"" + m + "\"")));
    longestEncoded(text)
        .ifPresent(
            n -> out.add(Check.ENCODED_BLOB.at(path, "an encoded string of " + n + " characters")));
  }

  /** The checks of a build hook (setup.py and the like), after the module checks. */
  static void hook(String path, String text, List<Finding> out) {
    module(path, text, out);
    Optional<String> net = first(NETWORK, text);
    Optional<String> exec = first(EXEC, text);
    if (net.isPresent() && exec.isPresent()) {
      out.add(
          Check.DOWNLOAD_EXEC.at(
              path,
              "uses the network ("
                  + net.get().strip()
                  + ") and executes code ("
                  + exec.get().strip()
                  + ")"));
    } else if (net.isPresent()) {
      out.add(Check.SETUP_NETWORK.at(path, "uses the network (" + net.get().strip() + ")"));
    }
    first(OUTSIDE, text).ifPresent(m -> out.add(Check.SETUP_WRITES_OUTSIDE.at(path, "names " + m)));
    first(PROCESS, text)
        .ifPresent(
            m -> out.add(Check.SETUP_PROCESS.at(path, "starts processes (" + m.strip() + ")")));
    if (exec.isPresent() && net.isEmpty()) {
      out.add(Check.SETUP_EXEC.at(path, "calls " + exec.get().strip()));
    }
  }

  /**
   * The .pth checks (site.py runs each line that starts with {@code import} at every interpreter
   * start): code that decodes, spawns or connects is {@code pth-exec}; other code lines, like
   * setuptools' distutils-precedence.pth and coverage's, are {@code pth-import}.
   *
   * @param strict whether a plain code line is itself a finding (a wheel's installed .pth)
   * @return whether it has code lines
   */
  static boolean pth(String path, String text, boolean strict, List<Finding> out) {
    boolean code = false;
    int n = 0;
    var plain = new ArrayList<Integer>();
    for (String line : text.split("\n", -1)) {
      n++;
      if (!(line.startsWith("import ") || line.startsWith("import\t"))) {
        continue;
      }
      code = true;
      Optional<String> bad =
          first(DECODE, line)
              .or(() -> first(PROCESS, line))
              .or(() -> first(NETWORK, line))
              .or(() -> obfuscation(line));
      if (bad.isPresent()) {
        out.add(
            Check.PTH_EXEC.at(
                path,
                "line " + n + " runs at every interpreter start and uses " + bad.get().strip()));
        return true;
      }
      final int ln = n;
      longestEncoded(line)
          .ifPresent(
              len ->
                  out.add(
                      Check.PTH_EXEC.at(
                          path,
                          "line "
                              + ln
                              + " runs at every interpreter start and carries an encoded string of "
                              + len
                              + " characters")));
      plain.add(n);
    }
    if (strict && !plain.isEmpty()) {
      out.add(
          Check.PTH_IMPORT.at(
              path, "runs code at every interpreter start (line " + plain.get(0) + ")"));
    }
    return code;
  }

  /** The length of the longest base64 or hex run of at least {@link #BLOB} characters. */
  static Optional<Integer> longestEncoded(CharSequence text) {
    int best = 0;
    int run = 0;
    boolean digit = false;
    boolean letter = false;
    for (int i = 0, n = text.length(); i <= n; i++) {
      char c = i < n ? text.charAt(i) : ' ';
      boolean b64 =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '+'
              || c == '/'
              || c == '='
              || c == '-'
              || c == '_';
      if (b64) {
        run++;
        digit |= c >= '0' && c <= '9';
        letter |= Character.isLetter(c);
      } else {
        // Both letters and digits: a run of one repeated letter or of digits is no encoding.
        if (run >= BLOB && digit && letter && run > best) {
          best = run;
        }
        run = 0;
        digit = false;
        letter = false;
      }
    }
    return best == 0 ? Optional.empty() : Optional.of(best);
  }

  /** What one linear pass sees: names made of O and 0 (or I, l and 1) only, bidi controls. */
  private record Shape(Optional<String> marker) {
    static Shape of(String text) {
      int start = -1;
      for (int i = 0, n = text.length(); i <= n; i++) {
        char c = i < n ? text.charAt(i) : ' ';
        if (c >= '\u202a' && (c <= '\u202e' || (c >= '\u2066' && c <= '\u2069'))) {
          return new Shape(Optional.of(String.format("U+%04X (a bidirectional control)", (int) c)));
        }
        boolean word = Character.isLetterOrDigit(c) || c == '_';
        if (word && start < 0) {
          start = i;
        } else if (!word && start >= 0) {
          if (i - start >= 8 && confusable(text, start, i)) {
            return new Shape(Optional.of(text.substring(start, i)));
          }
          start = -1;
        }
      }
      return new Shape(Optional.empty());
    }

    /** A name of only O and 0 with both, or of only I, l and 1 with a letter and a digit. */
    private static boolean confusable(String t, int from, int to) {
      char first = t.charAt(from);
      if (first != 'O' && first != 'I' && first != 'l') {
        return false;
      }
      boolean o = false, zero = false, il = false, one = false;
      for (int i = from; i < to; i++) {
        char c = t.charAt(i);
        switch (c) {
          case 'O' -> o = true;
          case '0' -> zero = true;
          case 'I', 'l' -> il = true;
          case '1' -> one = true;
          default -> {
            return false;
          }
        }
      }
      return (o && zero && !il && !one) || (il && one && !o && !zero);
    }
  }
}
