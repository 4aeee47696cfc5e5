package dev.pypiguard.core.simple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.blob.Sha256;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One file of a project page, holding every field of PEP 503/691 and of the PEPs that extend them
 * (592 yanked, 658/714 core metadata, 700 size and upload time, 740 provenance), plus any JSON keys
 * this proxy does not know, which it passes through unchanged.
 *
 * @param filename the distribution's file name
 * @param url the absolute URL of the file (upstream URL before rewriting, proxy URL after)
 * @param hashes algorithm (lower case) to lower-case hex digest, in the upstream's order
 * @param requiresPython the PEP 345 Requires-Python specifier, unescaped
 * @param yanked the PEP 592 yank state
 * @param size the file's size in bytes (PEP 700)
 * @param uploadTime the upload time as the upstream wrote it (PEP 700, ISO 8601)
 * @param coreMetadata the PEP 714 {@code core-metadata} value
 * @param distInfoMetadata the PEP 658 {@code dist-info-metadata} value
 * @param gpgSig whether a detached signature exists ({@code gpg-sig})
 * @param provenance the PEP 740 provenance URL
 * @param extra unknown JSON keys, passed through
 */
public record FileEntry(
    String filename,
    String url,
    Map<String, String> hashes,
    Optional<String> requiresPython,
    Yanked yanked,
    OptionalLong size,
    Optional<String> uploadTime,
    Optional<MetadataRef> coreMetadata,
    Optional<MetadataRef> distInfoMetadata,
    Optional<Boolean> gpgSig,
    Optional<String> provenance,
    Map<String, JsonNode> extra) {

  public FileEntry {
    var h = new LinkedHashMap<String, String>();
    hashes.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT)));
    hashes = java.util.Collections.unmodifiableMap(h);
    extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  /** A file with only a name, URL and hashes: the minimum a PEP 503 page gives. */
  public static FileEntry of(String filename, String url, Map<String, String> hashes) {
    return new FileEntry(
        filename,
        url,
        hashes,
        Optional.empty(),
        Yanked.NO,
        OptionalLong.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  /**
   * The sha256 digest, when the upstream gave a well-formed one (64 hex digits): a malformed value
   * counts as none (it could otherwise reach a file path or a comparison).
   */
  public Optional<String> sha256() {
    return Optional.ofNullable(hashes.get("sha256")).filter(FileEntry::wellFormedSha256);
  }

  /**
   * {@link #sha256()} as a digest: the key of the file's bytes in the blob store, or empty when the
   * upstream gave no well-formed sha256.
   */
  public Optional<Sha256> digest() {
    return sha256().map(Sha256::new);
  }

  private static boolean wellFormedSha256(String hex) {
    if (hex.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The upload time parsed as an instant, when present and well formed. */
  public Optional<Instant> uploadInstant() {
    return uploadTime.flatMap(
        t -> {
          try {
            return Optional.of(Instant.parse(t));
          } catch (DateTimeParseException e) {
            try {
              return Optional.of(java.time.OffsetDateTime.parse(t).toInstant());
            } catch (DateTimeParseException e2) {
              return Optional.empty();
            }
          }
        });
  }

  /** The core metadata reference under either key (PEP 714 says prefer the new one). */
  public Optional<MetadataRef> metadata() {
    return coreMetadata.or(() -> distInfoMetadata);
  }

  /**
   * The sha256 the page gives for the file's core metadata (PEP 658/714), when well-formed:
   * metadata advertised without one ({@code true}, or a malformed value) cannot be verified.
   */
  public Optional<String> metadataSha256() {
    return metadata()
        .flatMap(m -> Optional.ofNullable(m.hashes().get("sha256")))
        .map(h -> h.toLowerCase(Locale.ROOT))
        .filter(FileEntry::wellFormedSha256);
  }

  public FileEntry withUrl(String newUrl) {
    return new FileEntry(
        filename,
        newUrl,
        hashes,
        requiresPython,
        yanked,
        size,
        uploadTime,
        coreMetadata,
        distInfoMetadata,
        gpgSig,
        provenance,
        extra);
  }

  public FileEntry withYanked(Yanked newYanked) {
    return new FileEntry(
        filename,
        url,
        hashes,
        requiresPython,
        newYanked,
        size,
        uploadTime,
        coreMetadata,
        distInfoMetadata,
        gpgSig,
        provenance,
        extra);
  }

  public FileEntry withSize(OptionalLong newSize) {
    return new FileEntry(
        filename,
        url,
        hashes,
        requiresPython,
        yanked,
        newSize,
        uploadTime,
        coreMetadata,
        distInfoMetadata,
        gpgSig,
        provenance,
        extra);
  }

  public FileEntry withCoreMetadata(Optional<MetadataRef> newMetadata) {
    return new FileEntry(
        filename,
        url,
        hashes,
        requiresPython,
        yanked,
        size,
        uploadTime,
        newMetadata,
        Optional.empty(),
        gpgSig,
        provenance,
        extra);
  }

  public FileEntry withProvenance(Optional<String> newProvenance) {
    return new FileEntry(
        filename,
        url,
        hashes,
        requiresPython,
        yanked,
        size,
        uploadTime,
        coreMetadata,
        distInfoMetadata,
        gpgSig,
        newProvenance,
        extra);
  }
}
