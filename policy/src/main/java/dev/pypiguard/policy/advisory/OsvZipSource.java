package dev.pypiguard.policy.advisory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An OSV export zip such as {@code https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip}
 * (one {@code <ID>.json} per record), read in place without unpacking to disk.
 *
 * @param zip the zip file
 */
public record OsvZipSource(Path zip) implements AdvisorySource {
  /** The largest record read; OSV records are kilobytes. */
  static final int MAX_RECORD_BYTES = 16 << 20;

  public OsvZipSource {
    Objects.requireNonNull(zip, "zip");
  }

  /** Reads every record; a malformed one is skipped with a log line naming the zip and entry. */
  public List<Advisory> load() throws IOException {
    var parser = new OsvParser();
    var out = new ArrayList<Advisory>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = z.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        String name = e.getName();
        if (e.isDirectory() || !OsvParser.isRecordName(name) || name.contains("__MACOSX")) {
          continue;
        }
        byte[] bytes;
        try (InputStream in = z.getInputStream(e)) {
          // An OSV record is a few kilobytes: a huge entry (or a zip bomb) fails the read
          // rather than the heap, and the last good data stays in force.
          bytes = in.readNBytes(MAX_RECORD_BYTES + 1);
        }
        if (bytes.length > MAX_RECORD_BYTES) {
          throw new IOException(
              zip
                  + "!"
                  + name
                  + " is larger than "
                  + MAX_RECORD_BYTES
                  + " bytes: not an OSV record");
        }
        parser.parse(zip + "!" + name, bytes).ifPresent(out::add);
      }
    }
    return out;
  }

  @Override
  public String describe() {
    return zip.toString();
  }
}
