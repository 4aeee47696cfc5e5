package dev.pypiguard.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** Issue 16: METADATA read from pieces of a wheel, as range requests fetch them. */
class WheelZipTest {
  private static final byte[] META =
      "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8);

  private static byte[] zip(Map<String, byte[]> entries, boolean stored) throws IOException {
    var out = new ByteArrayOutputStream();
    try (var z = new ZipOutputStream(out)) {
      for (var e : entries.entrySet()) {
        var ze = new ZipEntry(e.getKey());
        if (stored) {
          ze.setMethod(ZipEntry.STORED);
          ze.setSize(e.getValue().length);
          var crc = new CRC32();
          crc.update(e.getValue());
          ze.setCrc(crc.getValue());
        }
        z.putNextEntry(ze);
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** Reads METADATA as the proxy does: tail, directory, then the member from its offset. */
  private static byte[] read(byte[] file, String filename) throws WheelZip.BadWheel {
    byte[] tail = Arrays.copyOfRange(file, Math.max(0, file.length - WheelZip.TAIL), file.length);
    WheelZip.Directory d = WheelZip.directory(tail, file.length);
    byte[] dir = Arrays.copyOfRange(file, (int) d.offset(), (int) (d.offset() + d.size()));
    WheelZip.Member m = WheelZip.metadataMember(dir, filename);
    int from = (int) m.localHeaderOffset();
    byte[] piece =
        Arrays.copyOfRange(file, from, (int) Math.min(file.length, from + m.spanToRead()));
    return WheelZip.extract(m, piece).orElseThrow();
  }

  @Test
  void extract_deflatedMetadataBeforeLargeData_readFromPieces() throws Exception {
    byte[] data = new byte[200_000];
    new Random(1).nextBytes(data);
    var entries = new LinkedHashMap<String, byte[]>();
    entries.put("alpha/__init__.py", "x = 1\n".getBytes(StandardCharsets.UTF_8));
    entries.put("alpha-1.0.dist-info/METADATA", META);
    entries.put("alpha/blob.bin", data);
    entries.put("alpha-1.0.dist-info/RECORD", new byte[0]);

    assertThat(read(zip(entries, false), "alpha-1.0-py3-none-any.whl")).isEqualTo(META);
    assertThat(read(zip(entries, true), "alpha-1.0-py3-none-any.whl")).isEqualTo(META);
  }

  @Test
  void metadataMember_twoDistInfos_picksTheFileNamesOne() throws Exception {
    var entries = new LinkedHashMap<String, byte[]>();
    entries.put(
        "vendored-9.9.dist-info/METADATA", "Name: vendored\n".getBytes(StandardCharsets.UTF_8));
    entries.put("alpha-1.0.dist-info/METADATA", META);

    assertThat(read(zip(entries, false), "alpha-1.0-py3-none-any.whl")).isEqualTo(META);
    assertThatThrownBy(() -> read(zip(entries, false), "other-2.0-py3-none-any.whl"))
        .isInstanceOf(WheelZip.BadWheel.class)
        .hasMessageContaining(".dist-info directories");
  }

  @Test
  void badWheels_areRefusedWithAReason() throws Exception {
    var noMeta = new LinkedHashMap<String, byte[]>();
    noMeta.put("alpha/__init__.py", new byte[] {1});
    assertThatThrownBy(() -> read(zip(noMeta, false), "alpha-1.0-py3-none-any.whl"))
        .hasMessageContaining("no .dist-info/METADATA");
    assertThatThrownBy(() -> WheelZip.directory(new byte[100], 100))
        .hasMessageContaining("not a zip");
    var nested = new LinkedHashMap<String, byte[]>();
    nested.put("sub/alpha-1.0.dist-info/METADATA", META);
    assertThatThrownBy(() -> read(zip(nested, false), "alpha-1.0-py3-none-any.whl"))
        .hasMessageContaining("no .dist-info/METADATA");

    var ok = new LinkedHashMap<String, byte[]>();
    ok.put("alpha-1.0.dist-info/METADATA", META);
    byte[] file = zip(ok, true);
    int at = indexOf(file, META);
    file[at] ^= 1; // a flipped byte in the stored member
    byte[] broken = file;
    assertThatThrownBy(() -> read(broken, "alpha-1.0-py3-none-any.whl"))
        .hasMessageContaining("CRC-32");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
