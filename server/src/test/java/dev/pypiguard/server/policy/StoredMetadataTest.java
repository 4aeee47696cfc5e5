package dev.pypiguard.server.policy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the metadata rule reads a core metadata file: the store, or a download that verified it and
 * is still keeping it (README "Speed").
 */
class StoredMetadataTest {
  @TempDir Path dir;

  private static final String TEXT = "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n";
  private static final Sha256 SHA = Sha256.of(TEXT.getBytes(UTF_8));

  @Test
  void aFileVerifiedInItsDownload_isReadBeforeItIsKept() throws IOException {
    var store = new FileSystemBlobStore(dir.resolve("blobs"));
    Path partial = Files.writeString(dir.resolve("partial"), TEXT);
    var metadata = new StoredMetadata();
    metadata.use(store);
    metadata.useVerified(key -> key.equals(SHA) ? Optional.of(FileChannel.open(partial)) : none());

    assertThat(store.find(SHA)).isEmpty();
    assertThat(metadata.text(SHA.hex())).contains(TEXT);
    assertThat(metadata.text(Sha256.of(new byte[] {1}).hex())).isEmpty();
  }

  @Test
  void aFileKeptWhileItWasLookedFor_isReadFromTheStore() throws IOException {
    var store = new FileSystemBlobStore(dir.resolve("blobs"));
    var metadata = new StoredMetadata();
    metadata.use(store);
    // Its download ends between the two looks in the store: the file is kept, the partial gone.
    metadata.useVerified(
        key -> {
          keep(store);
          throw new NoSuchFileException("partial");
        });

    assertThat(metadata.text(SHA.hex())).contains(TEXT);
  }

  @Test
  void aFileNeitherKeptNorVerified_isUnknown() throws IOException {
    var metadata = new StoredMetadata();
    metadata.use(new FileSystemBlobStore(dir.resolve("blobs")));
    metadata.useVerified(key -> none());

    assertThat(metadata.text(SHA.hex())).isEmpty();
  }

  /**
   * The rule reads the header section only: a long description after it is not read, and a header
   * section longer than a wheel's METADATA may be is unreadable, not empty (which was judged
   * without it).
   */
  @Test
  void headersAreRead_aDescriptionOfAnyLengthIsNot_andOverlongHeadersAreUnreadable()
      throws IOException {
    String headers = "Metadata-Version: 2.1\nName: alpha\nRequires-Dist: evil @ https://x/e.tgz\n";
    Path longDescription =
        Files.writeString(dir.resolve("long"), headers + "\n" + "d".repeat(9 << 20));
    Path crlf = Files.writeString(dir.resolve("crlf"), "Name: alpha\r\n\r\nbody");
    Path longHeaders =
        Files.writeString(dir.resolve("headers"), headers + "X-Filler: x\n".repeat(1 << 20));
    var metadata = new StoredMetadata();
    metadata.use(new FileSystemBlobStore(dir.resolve("blobs")));
    String a = "a".repeat(64);
    String b = "b".repeat(64);
    String c = "c".repeat(64);
    var files = java.util.Map.of(a, longDescription, b, longHeaders, c, crlf);
    metadata.useVerified(
        key -> Optional.ofNullable(files.get(key.hex())).map(StoredMetadataTest::open));

    assertThat(metadata.text(a)).hasValueSatisfying(t -> assertThat(t).startsWith(headers + "\n"));
    assertThat(metadata.text(a).get().length()).isLessThan(1 << 20);
    assertThat(metadata.whyUnreadable(a)).isEmpty();
    assertThat(metadata.text(c)).contains("Name: alpha\r\n\r\nbody");
    assertThat(metadata.text(b)).isEmpty();
    assertThat(metadata.whyUnreadable(b)).contains("its header section is longer than 8 MiB");
    assertThat(StoredMetadata.headerEnd("a\nb\n\r\nc".getBytes(UTF_8), 0, 7)).isEqualTo(3);
  }

  private static FileChannel open(Path p) {
    try {
      return FileChannel.open(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Optional<FileChannel> none() {
    return Optional.empty();
  }

  @Test
  void unreadableMetadata_holdsForAWhile_andAChangeOfAnswerIsANewGeneration() {
    var now = java.time.Instant.parse("2026-12-03T12:00:00Z");
    var m = new StoredMetadata(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
    String key = "ab".repeat(32);
    String g0 = m.generation();
    m.unreadable(key, "core metadata could not be read: 500");
    assertThat(m.unreadable(key))
        .hasValueSatisfying(
            u -> {
              assertThat(u.why()).isEqualTo("core metadata could not be read: 500");
              assertThat(u.until()).isEqualTo(now.plus(StoredMetadata.UNREADABLE_HOLD));
            });
    String g1 = m.generation();
    assertThat(g1).isNotEqualTo(g0);
    m.unreadable(key, "core metadata could not be read: 502");
    assertThat(m.generation()).as("still unreadable: pages stay as judged").isEqualTo(g1);
    m.readable(key);
    assertThat(m.unreadable(key)).isEmpty();
    assertThat(m.generation()).isNotEqualTo(g1);
    String g2 = m.generation();
    m.readable(key);
    assertThat(m.generation()).isEqualTo(g2);
  }

  private static void keep(FileSystemBlobStore store) throws IOException {
    var w = store.create(SHA);
    w.append(ByteBuffer.wrap(TEXT.getBytes(UTF_8)));
    w.commit(TEXT.length());
  }
}
