package dev.pypiguard.core.project;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a wheel's {@code *.dist-info/METADATA} from pieces of the zip file, so that core metadata
 * can be had with two or three HTTP range requests instead of the whole wheel (as uv and pip's lazy
 * wheel do): the end of the file (end of central directory, and usually the central directory
 * itself), then the member's local header and data.
 *
 * <p>Everything read is checked: signatures, offsets inside the file, ZIP64 records, a compression
 * method of stored or deflate, the uncompressed size (at most {@link #MAX_METADATA}) and the CRC-32
 * of the central directory. A wheel with no METADATA, or with several {@code .dist-info}
 * directories none of which is the one its file name names, has none (binary distribution format:
 * "{distribution}-{version}.dist-info/METADATA").
 */
public final class WheelZip {
  /** Core metadata larger than this is refused (PyPI's largest are well below 1 MiB). */
  public static final int MAX_METADATA = 8 * 1024 * 1024;

  /** How much of the end of the file the first request asks for. */
  public static final int TAIL = 64 * 1024;

  /** A central directory larger than this is refused. */
  public static final int MAX_DIRECTORY = 16 * 1024 * 1024;

  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;

  private WheelZip() {}

  /** Where the central directory is: its offset and size in the file. */
  public record Directory(long offset, long size) {}

  /** The METADATA member as the central directory describes it. */
  public record Member(
      String name, long localHeaderOffset, long compressedSize, long size, int method, long crc) {
    /** Bytes from the local header on that surely hold the header and the data. */
    public long spanToRead() {
      // 30 fixed bytes, then the name and an extra field (up to 64 KiB, usually tiny; a second
      // read covers a longer one).
      return 30L + name.getBytes(StandardCharsets.UTF_8).length + 1024 + compressedSize;
    }
  }

  /** Why a wheel yields no metadata: one line for logs and the 502 body. */
  public static final class BadWheel extends Exception {
    private static final long serialVersionUID = 1L;

    public BadWheel(String message) {
      super(message);
    }
  }

  /**
   * Finds the central directory from the last bytes of a file.
   *
   * @param tail the file's last bytes
   * @param fileSize the size of the whole file
   */
  public static Directory directory(byte[] tail, long fileSize) throws BadWheel {
    ByteBuffer b = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
    long tailStart = fileSize - tail.length;
    for (int i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 65535); i--) {
      if (b.getInt(i) != EOCD || (b.getShort(i + 20) & 0xffff) != tail.length - 22 - i) {
        continue;
      }
      long size = b.getInt(i + 12) & 0xffffffffL;
      long offset = b.getInt(i + 16) & 0xffffffffL;
      if ((size == 0xffffffffL || offset == 0xffffffffL)
          && i >= 20
          && b.getInt(i - 20) == ZIP64_LOCATOR) {
        long z = b.getLong(i - 20 + 8) - tailStart;
        if (z < 0 || z + 56 > tail.length || b.getInt((int) z) != ZIP64_EOCD) {
          throw new BadWheel(
              "ZIP64 end of central directory is not in the last " + tail.length + " bytes");
        }
        size = b.getLong((int) z + 40);
        offset = b.getLong((int) z + 48);
      }
      if (offset < 0 || size < 0 || offset + size > fileSize) {
        throw new BadWheel("central directory outside the file");
      }
      if (size > MAX_DIRECTORY) {
        throw new BadWheel("central directory of " + size + " bytes (limit " + MAX_DIRECTORY + ")");
      }
      return new Directory(offset, size);
    }
    throw new BadWheel("not a zip file (no end of central directory record)");
  }

  /** Picks the METADATA member of the wheel named {@code filename} from its central directory. */
  public static Member metadataMember(byte[] directory, String filename) throws BadWheel {
    ByteBuffer b = ByteBuffer.wrap(directory).order(ByteOrder.LITTLE_ENDIAN);
    var found = new ArrayList<Member>();
    int p = 0;
    while (p + 46 <= directory.length && b.getInt(p) == CENTRAL) {
      int method = b.getShort(p + 10) & 0xffff;
      long crc = b.getInt(p + 16) & 0xffffffffL;
      long compressed = b.getInt(p + 20) & 0xffffffffL;
      long size = b.getInt(p + 24) & 0xffffffffL;
      int n = b.getShort(p + 28) & 0xffff;
      int m = b.getShort(p + 30) & 0xffff;
      int k = b.getShort(p + 32) & 0xffff;
      long local = b.getInt(p + 42) & 0xffffffffL;
      if (p + 46 + n + m + k > directory.length) {
        throw new BadWheel("truncated central directory");
      }
      String name = new String(directory, p + 46, n, StandardCharsets.UTF_8);
      if (compressed == 0xffffffffL || size == 0xffffffffL || local == 0xffffffffL) {
        // ZIP64 extra field (id 1): the 8-byte values that overflowed, in this order.
        int e = p + 46 + n;
        int end = e + m;
        while (e + 4 <= end) {
          int id = b.getShort(e) & 0xffff;
          int len = b.getShort(e + 2) & 0xffff;
          if (id == 1) {
            int q = e + 4;
            if (size == 0xffffffffL) {
              size = b.getLong(q);
              q += 8;
            }
            if (compressed == 0xffffffffL) {
              compressed = b.getLong(q);
              q += 8;
            }
            if (local == 0xffffffffL) {
              local = b.getLong(q);
            }
          }
          e += 4 + len;
        }
      }
      if (isMetadata(name)) {
        found.add(new Member(name, local, compressed, size, method, crc));
      }
      p += 46 + n + m + k;
    }
    if (found.isEmpty()) {
      throw new BadWheel("no .dist-info/METADATA in the wheel");
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    String prefix = distInfoPrefix(filename);
    List<Member> named =
        found.stream().filter(f -> f.name().toLowerCase(Locale.ROOT).startsWith(prefix)).toList();
    if (named.size() != 1) {
      throw new BadWheel(found.size() + " .dist-info directories, none of them the file name's");
    }
    return named.get(0);
  }

  /**
   * The member's bytes from a read that starts at its local header.
   *
   * @return the metadata, or empty when {@code fromHeader} is too short (read again, longer: {@link
   *     #neededSpan})
   */
  public static Optional<byte[]> extract(Member member, byte[] fromHeader) throws BadWheel {
    long start = dataStart(member, fromHeader);
    if (start < 0 || start + member.compressedSize() > fromHeader.length) {
      return Optional.empty();
    }
    if (member.size() > MAX_METADATA || member.compressedSize() > MAX_METADATA) {
      throw new BadWheel("METADATA of " + member.size() + " bytes (limit " + MAX_METADATA + ")");
    }
    byte[] out;
    if (member.method() == 0) {
      out =
          java.util.Arrays.copyOfRange(
              fromHeader, (int) start, (int) (start + member.compressedSize()));
    } else if (member.method() == 8) {
      out = inflate(fromHeader, (int) start, (int) member.compressedSize(), member.size());
    } else {
      throw new BadWheel(
          "METADATA compressed with method " + member.method() + " (expected stored or deflate)");
    }
    if (out.length != member.size()) {
      throw new BadWheel(
          "METADATA is " + out.length + " bytes, the directory says " + member.size());
    }
    var crc = new CRC32();
    crc.update(out);
    if (crc.getValue() != member.crc()) {
      throw new BadWheel("METADATA fails its CRC-32");
    }
    return Optional.of(out);
  }

  /** How many bytes from the local header a second read needs, once the header is known. */
  public static long neededSpan(Member member, byte[] fromHeader) throws BadWheel {
    long start = dataStart(member, fromHeader);
    return start < 0 ? member.spanToRead() + 65535 : start + member.compressedSize();
  }

  private static long dataStart(Member member, byte[] h) throws BadWheel {
    if (h.length < 30) {
      return -1;
    }
    ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != LOCAL) {
      throw new BadWheel("no local file header where the directory points");
    }
    int n = b.getShort(26) & 0xffff;
    int m = b.getShort(28) & 0xffff;
    return 30L + n + m;
  }

  private static byte[] inflate(byte[] in, int off, int len, long size) throws BadWheel {
    var inflater = new Inflater(true);
    try {
      inflater.setInput(in, off, len);
      var out = new ByteArrayOutputStream((int) Math.min(size, MAX_METADATA));
      byte[] buf = new byte[8192];
      while (!inflater.finished()) {
        int r = inflater.inflate(buf);
        if (r == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        if (out.size() + r > MAX_METADATA) {
          throw new BadWheel("METADATA inflates past " + MAX_METADATA + " bytes");
        }
        out.write(buf, 0, r);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new BadWheel("METADATA does not inflate: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  /** {@code x.dist-info/METADATA} at the top level of the archive. */
  public static boolean isMetadata(String name) {
    int slash = name.indexOf('/');
    return slash > 0
        && name.endsWith(".dist-info/METADATA")
        && slash == name.length() - "/METADATA".length();
  }

  /** {@code name-version.dist-info/} of a wheel file name, lower-cased. */
  public static String distInfoPrefix(String filename) {
    String[] parts = filename.split("-");
    return parts.length < 2
        ? ""
        : (parts[0] + "-" + parts[1] + ".dist-info/").toLowerCase(Locale.ROOT);
  }
}
