package dev.pypiguard.core.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.blob.BlobWriter;
import dev.pypiguard.core.blob.FileSystemBlobStore;
import dev.pypiguard.core.blob.IntegrityException;
import dev.pypiguard.core.blob.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a download lets readers send: the last byte only once the digest matched, and then at once,
 * before the file is durable; a file that fails to be kept afterwards is not in the store.
 */
class DownloadTest {
  @TempDir Path dir;

  private static final byte[] BYTES = "the bytes of a wheel".getBytes(UTF_8);
  private static final Sha256 SHA = Sha256.of(BYTES);

  private Download download(FileSystemBlobStore store, BlobWriter writer) {
    return new Download(
        SHA,
        "w-1.0-py3-none-any.whl",
        writer,
        OptionalLong.of(BYTES.length),
        Downloads.DEFAULT_MAX_UNDECLARED,
        store::find);
  }

  @Test
  void lastByte_isReleasedWhenVerified_andReadable_whileTheFileIsBeingKept() throws Exception {
    var store = new FileSystemBlobStore(dir);
    List<String> seen = new ArrayList<>();
    var writer =
        new Forwarding(store.create(SHA)) {
          @Override
          public void commit(long expectedSize) throws IOException {
            Download d = releasableOf[0];
            seen.add("commit, releasable " + d.releasable());
            seen.add("whole " + d.whole().isDone() + ", kept " + d.result().isDone());
            // As the store's commit does while it forces the file: the writer's lock is held. A
            // reader of the verified bytes is not held with it.
            synchronized (inner) {
              seen.add("read " + readElsewhere(d));
            }
            super.commit(expectedSize);
          }
        };
    Download d = download(store, writer);
    writer.releasableOf[0] = d;
    d.start(OptionalLong.of(BYTES.length));
    d.data(ByteBuffer.wrap(BYTES));
    assertThat(d.releasable()).isEqualTo(BYTES.length - 1);
    assertThat(d.verified()).isFalse();
    assertThat(d.whole()).isNotDone();
    d.end();
    assertThat(seen)
        .containsExactly(
            "commit, releasable " + BYTES.length,
            "whole true, kept false",
            "read the bytes of a wheel");
    assertThat(d.verified()).isTrue();
    assertThat(d.result()).isCompleted();
    assertThat(store.find(SHA)).isPresent();
  }

  /** Reads the download's bytes on another thread, waiting at most 10 s. */
  private static String readElsewhere(Download d) {
    var read =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try (FileChannel ch = d.openReader()) {
                ByteBuffer buf = ByteBuffer.allocate(BYTES.length);
                ch.read(buf, 0);
                return new String(buf.array(), UTF_8);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try {
      return read.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  @Test
  void aFailedDownload_isNeverWhole() throws IOException {
    var store = new FileSystemBlobStore(dir);
    Download d = download(store, store.create(SHA));
    d.start(OptionalLong.of(BYTES.length));
    d.data(ByteBuffer.wrap(BYTES, 0, 4));
    d.failed("connection reset", false, false);
    assertThat(d.whole()).isCompletedExceptionally();
  }

  @Test
  void publishFailingAfterVerification_keepsNothingButReleasesTheVerifiedBytes()
      throws IOException {
    var store = new FileSystemBlobStore(dir);
    var writer =
        new Forwarding(store.create(SHA)) {
          @Override
          public void commit(long expectedSize) throws IOException {
            inner.close();
            throw new IOException("fsync: input/output error");
          }
        };
    Download d = download(store, writer);
    d.start(OptionalLong.of(BYTES.length));
    d.data(ByteBuffer.wrap(BYTES));
    d.end();
    assertThat(d.verified()).isTrue();
    assertThat(d.releasable()).isEqualTo(BYTES.length);
    assertThat(d.result()).isCompletedExceptionally();
    assertThat(store.find(SHA)).isEmpty();
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  @Test
  void corruptBytes_holdTheLastByteBackForever() throws IOException {
    var store = new FileSystemBlobStore(dir);
    Download d = download(store, store.create(SHA));
    byte[] wrong = BYTES.clone();
    wrong[3] ^= 1;
    d.start(OptionalLong.of(BYTES.length));
    d.data(ByteBuffer.wrap(wrong));
    d.end();
    assertThat(d.verified()).isFalse();
    assertThat(d.releasable()).isEqualTo(BYTES.length - 1);
    assertThat(d.result())
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(IntegrityException.class);
    assertThat(store.find(SHA)).isEmpty();
  }

  @Test
  void aVerifyThatCannotReadThePartialFile_closesIt_andKeepsTheLastByteBack() throws IOException {
    var store = new FileSystemBlobStore(dir);
    var writer =
        new Forwarding(store.create(SHA)) {
          @Override
          public void verify(long expectedSize) throws IOException {
            throw new IOException("read: input/output error");
          }
        };
    Download d = download(store, writer);
    d.start(OptionalLong.of(BYTES.length));
    d.data(ByteBuffer.wrap(BYTES));
    d.end();
    assertThat(d.verified()).isFalse();
    assertThat(d.releasable()).isEqualTo(BYTES.length - 1);
    assertThat(d.result()).isCompletedExceptionally();
    assertThat(store.find(SHA)).isEmpty();
    // Closed, not left open: the partial file is gone and its descriptors with it.
    assertThat(dir.resolve("tmp")).isEmptyDirectory();
  }

  /** A writer that hands every call to another, for tests that change one of them. */
  private static class Forwarding implements BlobWriter {
    final BlobWriter inner;
    final Download[] releasableOf = new Download[1];

    Forwarding(BlobWriter inner) {
      this.inner = inner;
    }

    @Override
    public Sha256 expected() {
      return inner.expected();
    }

    @Override
    public long append(ByteBuffer bytes) throws IOException {
      return inner.append(bytes);
    }

    @Override
    public long written() {
      return inner.written();
    }

    @Override
    public FileChannel openReader() throws IOException {
      return inner.openReader();
    }

    @Override
    public void verify(long expectedSize) throws IOException {
      inner.verify(expectedSize);
    }

    @Override
    public void commit(long expectedSize) throws IOException {
      inner.commit(expectedSize);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }
}
