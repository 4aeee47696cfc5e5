package dev.pypiguard.server.mirror;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the header fields of core metadata (the PEP 658 file, or a wheel's METADATA, which {@link
 * dev.pypiguard.server.http.GeneratedMetadata#fromWheel} reads): {@code Requires-Dist} for seeding,
 * and the fields the legacy JSON API's {@code info} shows.
 */
public final class CoreMetadata {
  private CoreMetadata() {}

  /**
   * Every header field by lower-cased name, values in order: RFC 822 style headers, continuation
   * lines folded, up to the first blank line (the description body).
   */
  public static Map<String, List<String>> fields(byte[] metadata) {
    var out = new LinkedHashMap<String, List<String>>();
    String text = new String(metadata, StandardCharsets.UTF_8).replace("\r\n", "\n");
    String name = null;
    StringBuilder value = null;
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        break;
      }
      if ((line.startsWith(" ") || line.startsWith("\t")) && value != null) {
        value.append(' ').append(line.trim());
        continue;
      }
      if (name != null) {
        out.computeIfAbsent(name, k -> new ArrayList<>())
            .add(java.util.Objects.requireNonNull(value).toString());
      }
      int colon = line.indexOf(':');
      name = colon > 0 ? line.substring(0, colon).trim().toLowerCase(Locale.ROOT) : null;
      value = colon > 0 ? new StringBuilder(line.substring(colon + 1).trim()) : null;
    }
    if (name != null) {
      out.computeIfAbsent(name, k -> new ArrayList<>())
          .add(java.util.Objects.requireNonNull(value).toString());
    }
    return out;
  }

  /** The {@code Requires-Dist} values of a metadata document. */
  static List<String> requiresDist(byte[] metadata) {
    return fields(metadata).getOrDefault("requires-dist", List.of());
  }
}
