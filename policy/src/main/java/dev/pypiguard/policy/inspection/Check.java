package dev.pypiguard.policy.inspection;

import dev.pypiguard.policy.inspection.Finding.Severity;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The checks of an inspection, each a policy rule id with a severity (README "Artifact inspection"
 * lists them). High is what legitimate packages do not do: the recommended policy blocks those and
 * warns on the rest.
 */
public enum Check {
  ARCHIVE_UNREADABLE("archive-unreadable", Severity.HIGH, "not a readable wheel or sdist"),
  ARCHIVE_BOMB("archive-bomb", Severity.HIGH, "beyond the size, entry or depth bounds"),
  PATH_TRAVERSAL("path-traversal", Severity.HIGH, "a member that would land outside the target"),
  PTH_EXEC(
      "pth-exec", Severity.HIGH, "a .pth line that decodes, spawns or connects at every start"),
  PTH_IMPORT(
      "pth-import", Severity.MEDIUM, "a .pth line that runs code at every interpreter start"),
  DECODE_EXEC(
      "decode-exec", Severity.HIGH, "exec/eval/compile of base64, marshal or zlib decoded data"),
  DOWNLOAD_EXEC("download-exec", Severity.HIGH, "a build hook that downloads and executes"),
  SETUP_NETWORK("setup-network", Severity.MEDIUM, "a build hook that uses the network"),
  SETUP_WRITES_OUTSIDE(
      "setup-writes-outside", Severity.MEDIUM, "a build hook naming files outside the build tree"),
  SETUP_PROCESS("setup-process", Severity.LOW, "a build hook that starts processes"),
  SETUP_EXEC("setup-exec", Severity.LOW, "a build hook that calls exec, eval or compile"),
  NATIVE_IN_PURE(
      "native-in-pure", Severity.MEDIUM, "a native binary in a wheel tagged pure Python"),
  ARCHIVE_IN_PURE(
      "archive-in-pure", Severity.MEDIUM, "an archive inside a wheel tagged pure Python"),
  ENCODED_BLOB("encoded-blob", Severity.MEDIUM, "a very long base64 or hex string in code"),
  OBFUSCATION(
      "obfuscation",
      Severity.MEDIUM,
      "obfuscated code (PyArmor, chr-joins, O0O0 names, bidi controls)"),
  ENTRY_POINT_SHADOW(
      "entry-point-shadow", Severity.HIGH, "a command named like pip, python, git, sudo or ls"),
  NAME_MISMATCH("name-mismatch", Severity.HIGH, "metadata Name is another project"),
  VERSION_MISMATCH(
      "version-mismatch", Severity.HIGH, "metadata Version differs from the file name's"),
  METADATA_MISSING("metadata-missing", Severity.MEDIUM, "no METADATA or PKG-INFO to compare"),
  NEW_INSTALL_HOOK(
      "new-install-hook", Severity.MEDIUM, "install-time code the previous release did not have"),
  NEW_NATIVE_CODE(
      "new-native-code", Severity.MEDIUM, "native code the previous release did not have");

  private static final Map<String, Check> BY_ID =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Check::id, Function.identity()));

  private final String id;
  private final Severity severity;
  private final String description;

  Check(String id, Severity severity, String description) {
    this.id = id;
    this.severity = severity;
    this.description = description;
  }

  /** The rule id, as policy files, reasons and metrics name it. */
  public String id() {
    return id;
  }

  public Severity severity() {
    return severity;
  }

  /** What it looks for, in a few words. */
  public String description() {
    return description;
  }

  /** The check with this id. */
  public static Optional<Check> byId(String id) {
    return Optional.ofNullable(BY_ID.get(id));
  }

  Finding at(String path, String message) {
    return new Finding(id, severity, path, message);
  }
}
