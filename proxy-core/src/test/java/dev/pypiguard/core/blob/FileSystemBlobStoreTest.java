package dev.pypiguard.core.blob;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob writer's publish path, which goes through core.io.DurableFile (issue 12). */
class FileSystemBlobStoreTest {
  @TempDir Path dir;

  private static final byte[] BYTES = "wheel bytes".getBytes(UTF_8);
  private static final Sha256 SHA = Sha256.of(BYTES);

  @Test
  void commit_verifiedBytes_publishesThemAndLeavesNoPartialFile() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap(BYTES));
      w.commit(BYTES.length);
    }
    assertThat(store.find(SHA)).hasValueSatisfying(p -> assertThat(p).hasBinaryContent(BYTES));
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void commit_wrongDigest_publishesNothingAndLeavesNoPartialFile() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap("other bytes".getBytes(UTF_8)));
      assertThatThrownBy(() -> w.commit(-1))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("sha256 mismatch: got ");
    }
    assertThat(store.find(SHA)).isEmpty();
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void commit_wrongSize_publishesNothing() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap(BYTES));
      assertThatThrownBy(() -> w.commit(BYTES.length + 1))
          .isInstanceOf(IntegrityException.class)
          .hasMessage(
              "size mismatch: got " + BYTES.length + " bytes, expected " + (BYTES.length + 1));
    }
    assertThat(store.find(SHA)).isEmpty();
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void verify_matchingBytes_publishesNothingUntilCommitAndRefusesMore() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap(BYTES));
      w.verify(BYTES.length);
      assertThat(store.find(SHA)).isEmpty();
      assertThatThrownBy(() -> w.append(ByteBuffer.wrap(BYTES)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("already closed");
      w.commit(BYTES.length);
    }
    assertThat(store.find(SHA)).hasValueSatisfying(p -> assertThat(p).hasBinaryContent(BYTES));
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void verify_wrongDigest_failsAndCommitCannotPublishAfter() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap("other bytes".getBytes(UTF_8)));
      assertThatThrownBy(() -> w.verify(-1)).isInstanceOf(IntegrityException.class);
      assertThatThrownBy(() -> w.commit(-1)).isInstanceOf(IOException.class);
    }
    assertThat(store.find(SHA)).isEmpty();
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void commit_manyChunksHashedBehindTheWriter_publishesOnlyTheRightBytes() throws IOException {
    byte[] big = new byte[5 * 1024 * 1024 + 17];
    new java.util.Random(15).nextBytes(big);
    Sha256 sha = Sha256.of(big);
    byte[] corrupt = big.clone();
    corrupt[4 * 1024 * 1024 + 5] ^= 1;
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(sha)) {
      appendInChunks(w, corrupt);
      assertThatThrownBy(() -> w.commit(big.length))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("sha256 mismatch");
    }
    assertThat(store.find(sha)).isEmpty();
    try (BlobWriter w = store.create(sha)) {
      appendInChunks(w, big);
      w.commit(big.length);
    }
    assertThat(store.find(sha)).hasValueSatisfying(p -> assertThat(p).hasBinaryContent(big));
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  /** Appends {@code bytes} in chunks of random sizes up to 300 KiB, as a download does. */
  private static void appendInChunks(BlobWriter w, byte[] bytes) throws IOException {
    var rnd = new java.util.Random(3);
    for (int at = 0; at < bytes.length; ) {
      int n = Math.min(bytes.length - at, 1 + rnd.nextInt(300 * 1024));
      w.append(ByteBuffer.wrap(bytes, at, n));
      at += n;
    }
  }

  @Test
  void close_midWrite_leavesNothingBehind() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter w = store.create(SHA)) {
      w.append(ByteBuffer.wrap(BYTES, 0, 4));
      try (var reader = w.openReader()) {
        assertThat(reader.size()).isEqualTo(4);
      }
    }
    assertThat(store.find(SHA)).isEmpty();
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void commit_sameContentTwice_keepsOneCopy() throws IOException {
    var store = new FileSystemBlobStore(dir);
    try (BlobWriter first = store.create(SHA);
        BlobWriter second = store.create(SHA)) {
      first.append(ByteBuffer.wrap(BYTES));
      second.append(ByteBuffer.wrap(BYTES));
      first.commit(BYTES.length);
      second.commit(BYTES.length);
    }
    assertThat(store.find(SHA)).hasValueSatisfying(p -> assertThat(p).hasBinaryContent(BYTES));
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void open_clearsPartialFilesOfAnEarlierProcess() throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(dir.resolve("tmp").resolve(SHA.hex() + ".x.part"), "torn");
    new FileSystemBlobStore(dir);
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }
}
