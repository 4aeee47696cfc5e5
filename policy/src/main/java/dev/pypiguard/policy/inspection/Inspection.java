package dev.pypiguard.policy.inspection;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an inspection of one file (by sha256) found, and the facts the serve-time rules compare: the
 * metadata's name and version, and whether it runs code at install time or carries native code.
 * Immutable; stored as JSON so that replicas share it ({@link InspectionJson}).
 *
 * @param inspector the {@link Inspector#VERSION} that made it; an older one is redone
 * @param kind what the file is
 * @param name {@code Name:} of its METADATA or PKG-INFO, when it has one
 * @param version {@code Version:} of its METADATA or PKG-INFO, when it has one
 * @param installHook whether installing it runs its code: a .pth with code lines, or a build hook
 * @param nativeCode whether it carries native binaries
 * @param findings what the checks saw, in archive order
 * @param commands the commands it installs that are named like pip, python or a system command,
 *     which the {@code entry-point-shadow} rule judges knowing the project (pip's own are pip's)
 */
public record Inspection(
    int inspector,
    Kind kind,
    Optional<String> name,
    Optional<String> version,
    boolean installHook,
    boolean nativeCode,
    List<Finding> findings,
    List<Command> commands) {

  public Inspection {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    findings = List.copyOf(findings);
    commands = List.copyOf(commands);
  }

  /**
   * A command a distribution installs.
   *
   * @param path the member that declares it (entry_points.txt, a script)
   * @param name the command's name
   */
  public record Command(String path, String name) {
    public Command {
      path = Finding.printable(path, 300);
      name = Finding.printable(name, 100);
    }
  }

  /** What an inspected file is. */
  public enum Kind {
    WHEEL,
    SDIST,
    /** Not a Python distribution archive (core metadata, an unknown format): nothing to check. */
    OTHER;

    public String spelling() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
