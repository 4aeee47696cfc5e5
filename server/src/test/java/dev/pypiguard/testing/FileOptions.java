package dev.pypiguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a published file is described on a {@link TestUpstream} simple page.
 *
 * <p>Start from {@link #defaults()} and use the {@code with...} methods.
 *
 * @param uploadTime the PEP 700 {@code upload-time}
 * @param yankedReason {@code null} when not yanked, empty when yanked without a reason (PEP 592)
 * @param requiresPython the declared {@code requires-python} (PEP 345/503); {@code null} takes it
 *     from the artifact's core metadata
 * @param coreMetadata whether the core metadata file is served and advertised (PEP 658/714);
 *     ignored for artifacts without metadata
 * @param provenance a PEP 740 provenance JSON document to serve and advertise, or {@code null}
 * @param hashOverride a sha256 hex to declare instead of the real one, or {@code null}
 * @param extraJson unknown per-file keys added to the JSON file entry, for pass-through tests
 */
public record FileOptions(
    Instant uploadTime,
    String yankedReason,
    String requiresPython,
    boolean coreMetadata,
    String provenance,
    String hashOverride,
    Map<String, JsonNode> extraJson) {

  /** Copies the map so that options stay immutable. */
  public FileOptions {
    // Keeps insertion order so that pages list unknown keys as the test added them.
    extraJson = Collections.unmodifiableMap(new LinkedHashMap<>(extraJson));
  }

  /** Upload time 30 days ago (old enough for "minimum age" policies), metadata advertised. */
  public static FileOptions defaults() {
    return new FileOptions(
        Instant.now().minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.MICROS),
        null,
        null,
        true,
        null,
        null,
        Map.of());
  }

  /** Whether the file is yanked. */
  public boolean yanked() {
    return yankedReason != null;
  }

  /** Sets the upload time; PyPI reports microseconds, so finer precision is dropped. */
  public FileOptions withUploadTime(Instant time) {
    return new FileOptions(
        time.truncatedTo(ChronoUnit.MICROS),
        yankedReason,
        requiresPython,
        coreMetadata,
        provenance,
        hashOverride,
        extraJson);
  }

  /** Marks the file yanked without a reason. */
  public FileOptions withYanked() {
    return withYanked("");
  }

  /** Marks the file yanked with {@code reason} (empty for none). */
  public FileOptions withYanked(String reason) {
    return new FileOptions(
        uploadTime, reason, requiresPython, coreMetadata, provenance, hashOverride, extraJson);
  }

  /** Declares {@code requires-python} on the page, whatever the metadata says. */
  public FileOptions withRequiresPython(String specifier) {
    return new FileOptions(
        uploadTime, yankedReason, specifier, coreMetadata, provenance, hashOverride, extraJson);
  }

  /** Whether to serve and advertise the core metadata file. */
  public FileOptions withCoreMetadata(boolean advertised) {
    return new FileOptions(
        uploadTime, yankedReason, requiresPython, advertised, provenance, hashOverride, extraJson);
  }

  /** Serves {@code json} as the PEP 740 provenance of the file and advertises its URL. */
  public FileOptions withProvenance(String json) {
    return new FileOptions(
        uploadTime, yankedReason, requiresPython, coreMetadata, json, hashOverride, extraJson);
  }

  /** Declares {@code sha256Hex} as the file hash instead of the real one. */
  public FileOptions withHashOverride(String sha256Hex) {
    return new FileOptions(
        uploadTime, yankedReason, requiresPython, coreMetadata, provenance, sha256Hex, extraJson);
  }

  /** Adds an unknown key to the JSON file entry. */
  public FileOptions withExtraJson(String key, JsonNode value) {
    Map<String, JsonNode> copy = new LinkedHashMap<>(extraJson);
    copy.put(key, value);
    return new FileOptions(
        uploadTime, yankedReason, requiresPython, coreMetadata, provenance, hashOverride, copy);
  }
}
