package dev.pypiguard.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Renders a core metadata file (METADATA / PKG-INFO) in the email-header format. */
final class CoreMetadata {

  private CoreMetadata() {}

  /**
   * Metadata-Version 2.1 (PEP 566) is the newest version that pip 23.2 reads without any warning
   * and that needs no fields beyond Name and Version.
   */
  static byte[] render(
      String name, String version, String summary, String requiresPython, List<String> requires) {
    StringBuilder sb = new StringBuilder();
    sb.append("Metadata-Version: 2.1\n");
    sb.append("Name: ").append(name).append('\n');
    sb.append("Version: ").append(version).append('\n');
    if (summary != null) {
      sb.append("Summary: ").append(summary).append('\n');
    }
    if (requiresPython != null) {
      sb.append("Requires-Python: ").append(requiresPython).append('\n');
    }
    for (String r : requires) {
      sb.append("Requires-Dist: ").append(r).append('\n');
    }
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
