package dev.pypiguard.core.simple;

import java.util.Map;

/**
 * What a page says about a file's separate core metadata (PEP 658, renamed by PEP 714): that it
 * exists, and the hashes of the metadata file where the upstream gave them.
 *
 * <p>JSON writes it as {@code true} or as a hash object; HTML as {@code data-core-metadata="true"}
 * or {@code data-core-metadata="sha256=<hex>"}.
 */
public record MetadataRef(Map<String, String> hashes) {
  public MetadataRef {
    hashes = Map.copyOf(hashes);
  }

  public static MetadataRef withoutHashes() {
    return new MetadataRef(Map.of());
  }
}
