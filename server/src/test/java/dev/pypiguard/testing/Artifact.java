package dev.pypiguard.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A distribution file held in memory, ready to be published on a {@link TestUpstream}.
 *
 * <p>The arrays are not copied: artifacts can be tens of megabytes and tests treat them as
 * immutable. {@code equals} is therefore by identity of the arrays, as for any record with array
 * components; compare {@link #sha256()} instead.
 *
 * @param filename the file name as it appears on a simple page
 * @param bytes the file content
 * @param sha256 lowercase hex SHA-256 of {@code bytes}
 * @param metadata the core metadata file (PEP 658), empty when the artifact has none
 * @param project the project name as given (not normalized)
 * @param version the version string
 */
public record Artifact(
    String filename, byte[] bytes, String sha256, byte[] metadata, String project, String version) {

  // PEP 427 wheel names and PEP 625 sdist names: the first two dash-separated fields.
  private static final Pattern DIST_NAME =
      Pattern.compile("^([^-]+)-([^-]+?)(?:-.*\\.whl|\\.tar\\.gz|\\.zip)$");

  /** Validates the components. */
  public Artifact {
    Objects.requireNonNull(filename, "filename");
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(version, "version");
    if (filename.isEmpty() || filename.contains("/")) {
      throw new IllegalArgumentException("bad filename: " + filename);
    }
  }

  /**
   * Wraps arbitrary bytes as an artifact without core metadata. Project and version are taken from
   * the file name when it looks like a wheel or sdist name, otherwise the project is the file name
   * and the version is empty.
   */
  public static Artifact ofBytes(String filename, byte[] bytes) {
    Matcher m = DIST_NAME.matcher(filename);
    String project = m.matches() ? m.group(1) : filename;
    String version = m.matches() ? m.group(2) : "";
    return new Artifact(filename, bytes, Digests.sha256Hex(bytes), new byte[0], project, version);
  }

  /** An artifact of {@code size} pseudo-random (incompressible) bytes from a seeded stream. */
  public static Artifact randomBlob(String filename, int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return ofBytes(filename, data);
  }

  /** The size in bytes. */
  public int size() {
    return bytes.length;
  }

  /** Whether a core metadata file exists for this artifact. */
  public boolean hasMetadata() {
    return metadata.length > 0;
  }

  /** Lowercase hex SHA-256 of {@link #metadata()}. */
  public String metadataSha256() {
    return Digests.sha256Hex(metadata);
  }

  /** Whether this is a wheel (PEP 427). */
  public boolean isWheel() {
    return filename.endsWith(".whl");
  }

  /** The PEP 503 normalized project name. */
  public String normalizedProject() {
    return Names.normalize(project);
  }

  /** The {@code Requires-Python} value of the core metadata, if any. */
  public Optional<String> requiresPython() {
    String text = new String(metadata, StandardCharsets.UTF_8);
    for (String line : text.split("\r?\n")) {
      if (line.isEmpty()) {
        break; // headers end at the first blank line; the body is the description
      }
      if (line.regionMatches(true, 0, "Requires-Python:", 0, 16)) {
        return Optional.of(line.substring(16).trim());
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "Artifact[" + filename + ", " + bytes.length + " bytes, sha256=" + sha256 + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Artifact a
        && filename.equals(a.filename)
        && sha256.equals(a.sha256)
        && Arrays.equals(metadata, a.metadata)
        && project.equals(a.project)
        && version.equals(a.version);
  }

  @Override
  public int hashCode() {
    return Objects.hash(filename, sha256);
  }
}
