package dev.pypiguard.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.config.YamlDocument;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The clients allowed in, from the tokens file ({@code auth: {tokens-file: tokens.yaml}}): bearer
 * tokens and basic-auth users, each with a name and a role.
 *
 * <pre>
 * tokens:                       # Authorization: Bearer TOKEN, or TOKEN as the basic-auth password
 *   - {name: ci, role: read, token: "sha256:9f86d08..."}
 * users:                        # basic auth: https://alice:PASSWORD@host/simple/
 *   - {name: alice, role: admin, password: "${ALICE_PASSWORD}"}
 * </pre>
 *
 * <p>A secret is {@code sha256:<64 hex digits>} (the hash of the secret's UTF-8 bytes: {@code
 * printf %s "$TOKEN" | sha256sum}), or the secret itself; {@code ${NAME}} anywhere in it reads the
 * environment. Only hashes are kept, and a presented secret is hashed and compared to each in
 * constant time ({@link MessageDigest#isEqual}).
 */
public final class AccessTokens {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+\\-]{0,63}");
  private static final Pattern HASHED = Pattern.compile("sha256:([0-9a-fA-F]{64})");

  /** A plain secret shorter than this is refused: it could be guessed. */
  static final int MIN_SECRET = 8;

  private record Credential(String name, Role role, byte[] sha256) {}

  private final List<Credential> tokens;
  private final List<Credential> users;

  private AccessTokens(List<Credential> tokens, List<Credential> users) {
    this.tokens = List.copyOf(tokens);
    this.users = List.copyOf(users);
  }

  /** Whether {@code name} may name a token or user: it appears in log lines as is. */
  public static boolean validName(String name) {
    return NAME.matcher(name).matches();
  }

  /** How many tokens and users there are. */
  public int size() {
    return tokens.size() + users.size();
  }

  /**
   * Parses a tokens file; every problem is reported at once with file, line and key (never with a
   * secret).
   *
   * @param env reads an environment variable, for {@code ${NAME}}
   */
  public static AccessTokens parse(
      String source, String text, Function<String, Optional<String>> env) {
    YamlDocument doc = YamlDocument.parse(source, text);
    doc.expandEnvironment(name -> env.apply(name).orElse(null));
    JsonNode root = doc.root();
    if (!root.isObject()) {
      throw new ConfigException(source + ": expected a mapping with tokens: and users: lists");
    }
    doc.allowOnly(root, "", Set.of("tokens", "users"));
    var names = new HashSet<String>();
    var tokens = credentials(doc, "tokens", "token", env, names);
    var users = credentials(doc, "users", "password", env, names);
    if (!doc.hasProblems() && tokens.isEmpty() && users.isEmpty()) {
      doc.problem(
          "", "no tokens and no users: nobody could use the proxy (expected: tokens: or users:)");
    }
    var seen = new ArrayList<Credential>();
    for (int i = 0; i < tokens.size(); i++) {
      for (Credential c : seen) {
        if (MessageDigest.isEqual(c.sha256(), tokens.get(i).sha256())) {
          doc.problem(
              "tokens[" + i + "].token",
              "the same token as "
                  + c.name()
                  + " (expected: a different secret per token, so logs name who used it)");
        }
      }
      seen.add(tokens.get(i));
    }
    doc.check();
    return new AccessTokens(tokens, users);
  }

  private static List<Credential> credentials(
      YamlDocument doc,
      String section,
      String secretKey,
      Function<String, Optional<String>> env,
      Set<String> names) {
    JsonNode list = doc.root().get(section);
    var out = new ArrayList<Credential>();
    if (list == null || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      doc.problem(section, "expected a list of {name, role, " + secretKey + "}");
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      String at = section + "[" + i + "]";
      JsonNode n = list.get(i);
      if (!n.isObject()) {
        doc.problem(at, "expected {name, role, " + secretKey + "}");
        continue;
      }
      doc.allowOnly(n, at, Set.of("name", "role", secretKey));
      String name = n.path("name").isValueNode() ? n.path("name").asText() : "";
      if (!NAME.matcher(name).matches()) {
        doc.problem(
            n.has("name") ? at + ".name" : at,
            (name.isEmpty() ? "missing" : "\"" + name + "\"")
                + " (expected: a name of letters, digits and . _ @ + -, up to 64 characters)");
      } else if (!names.add(name)) {
        doc.problem(at + ".name", "\"" + name + "\" is used twice (expected: one entry per name)");
      }
      Role role = Role.READ;
      if (n.has("role")) {
        Optional<Role> r = Role.parse(n.get("role").asText());
        if (r.isEmpty()) {
          doc.problem(at + ".role", "\"" + n.get("role").asText() + "\" (expected: read or admin)");
        } else {
          role = r.get();
        }
      }
      Optional<byte[]> secret = secret(doc, at + "." + secretKey, n.get(secretKey), env);
      if (secret.isPresent()) {
        out.add(new Credential(name, role, secret.get()));
      }
    }
    return out;
  }

  /** The sha256 of a secret: given as {@code sha256:HEX}, or hashed here from plain text. */
  private static Optional<byte[]> secret(
      YamlDocument doc, String at, JsonNode value, Function<String, Optional<String>> env) {
    if (value == null || value.isNull() || !value.isValueNode() || value.asText().isEmpty()) {
      doc.problem(
          at.substring(0, at.lastIndexOf('.')),
          "missing "
              + at.substring(at.lastIndexOf('.') + 1)
              + " (expected: sha256:<64 hex digits>, the secret itself, or ${ENV_VARIABLE})");
      return Optional.empty();
    }
    String secret = value.asText();
    if (secret.regionMatches(true, 0, "sha256:", 0, 7)) {
      Matcher h = HASHED.matcher(secret);
      if (!h.matches()) {
        doc.problem(at, "not a sha256 hash (expected: sha256: followed by 64 hex digits)");
        return Optional.empty();
      }
      return Optional.of(HexFormat.of().parseHex(h.group(1).toLowerCase(Locale.ROOT)));
    }
    if (secret.length() < MIN_SECRET) {
      doc.problem(
          at, "too short (expected: at least " + MIN_SECRET + " characters, or sha256:<hex>)");
      return Optional.empty();
    }
    return Optional.of(hash(secret));
  }

  private static byte[] hash(String secret) {
    return Sha256.digest().digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * What an {@code Authorization} header proves: {@code Bearer TOKEN}, or {@code Basic} with a
   * user's name and password or with a token as the password (any user name, like pip's {@code
   * __token__}).
   */
  public Authentication authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return new Authentication.Missing();
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    String credentials = space < 0 ? "" : value.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return match(tokens, hash(credentials))
          .<Authentication>map(Authentication.Authenticated::new)
          .orElseGet(() -> new Authentication.Refused("unknown bearer token"));
    }
    if (!scheme.equalsIgnoreCase("Basic")) {
      return new Authentication.Refused(
          "unsupported authorization scheme " + clean(scheme) + " (expected: Basic or Bearer)");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return new Authentication.Refused("malformed basic credentials (not base64)");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return new Authentication.Refused("malformed basic credentials (no colon)");
    }
    String user = decoded.substring(0, colon);
    byte[] password = hash(decoded.substring(colon + 1));
    for (Credential u : users) {
      if (u.name().equals(user)) {
        return MessageDigest.isEqual(u.sha256(), password)
            ? new Authentication.Authenticated(new Principal(u.name(), u.role()))
            : new Authentication.Refused("wrong password for user " + clean(user));
      }
    }
    return match(tokens, password)
        .<Authentication>map(Authentication.Authenticated::new)
        .orElseGet(
            () ->
                new Authentication.Refused(
                    "unknown user " + clean(user) + " and no token matches"));
  }

  /** Compares with every credential, so the time taken does not say which one matched. */
  private static Optional<Principal> match(List<Credential> list, byte[] presented) {
    Credential found = null;
    for (Credential c : list) {
      if (MessageDigest.isEqual(c.sha256(), presented)) {
        found = c;
      }
    }
    return Optional.ofNullable(found).map(c -> new Principal(c.name(), c.role()));
  }

  /** A client's text in a log line: short, printable. */
  private static String clean(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return "\"" + t.replaceAll("[^\\x21-\\x7e]", "?").replace("\"", "?") + "\"";
  }

  /** Reads the real environment. */
  public static Optional<String> environment(String name) {
    return Optional.ofNullable(System.getenv(name));
  }
}
