package dev.pypiguard.server.mirror;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads {@code Requires-Dist} from core metadata (the PEP 658 file, or a wheel's METADATA). */
final class CoreMetadata {
  private static final int MAX_METADATA = 8 * 1024 * 1024;

  private CoreMetadata() {}

  /**
   * The {@code Requires-Dist} values of a metadata document: RFC 822 style headers, continuation
   * lines folded, up to the first blank line (the description body).
   */
  static List<String> requiresDist(byte[] metadata) {
    var out = new ArrayList<String>();
    String text = new String(metadata, StandardCharsets.UTF_8).replace("\r\n", "\n");
    String current = null;
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        break;
      }
      if ((line.startsWith(" ") || line.startsWith("\t")) && current != null) {
        current += " " + line.trim();
        continue;
      }
      if (current != null) {
        out.add(current);
        current = null;
      }
      if (line.toLowerCase(Locale.ROOT).startsWith("requires-dist:")) {
        current = line.substring("requires-dist:".length()).trim();
      }
    }
    if (current != null) {
      out.add(current);
    }
    return out;
  }

  /** The METADATA file of a wheel (binary distribution format: {@code *.dist-info/METADATA}). */
  static Optional<byte[]> fromWheel(Path wheel) throws IOException {
    try (var zip = new ZipFile(wheel.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        String n = e.getName();
        if (n.endsWith(".dist-info/METADATA") && n.indexOf('/') == n.length() - "/METADATA".length()) {
          try (InputStream in = zip.getInputStream(e)) {
            var out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) > 0; ) {
              if (out.size() + r > MAX_METADATA) {
                throw new IOException("METADATA larger than " + MAX_METADATA + " bytes");
              }
              out.write(buf, 0, r);
            }
            return Optional.of(out.toByteArray());
          }
        }
      }
    }
    return Optional.empty();
  }
}
