package dev.pypiguard.core.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFileTest {
  @TempDir Path dir;

  private Stream<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList().stream();
    }
  }

  @Test
  void write_newFileInNewDirectory_holdsTheBytesAndNothingElse() throws IOException {
    Path target = dir.resolve("a").resolve("b.json");
    DurableFile.write(target, "{}".getBytes(UTF_8));
    assertThat(Files.readString(target)).isEqualTo("{}");
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void write_existingFile_isReplacedWhole() throws IOException {
    Path target = dir.resolve("page.json");
    Files.writeString(target, "the earlier, longer content");
    DurableFile.write(target, "new".getBytes(UTF_8));
    assertThat(Files.readString(target)).isEqualTo("new");
    assertThat(names()).containsExactly("page.json");
  }

  @Test
  void write_failureMidWrite_leavesTheEarlierFileAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("memory.tsv");
    Files.writeString(target, "earlier");
    assertThatThrownBy(
            () ->
                DurableFile.write(
                    target,
                    out -> {
                      out.write("half of the new con".getBytes(UTF_8));
                      throw new IOException("disk full");
                    }))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");
    assertThat(Files.readString(target)).isEqualTo("earlier");
    assertThat(names()).containsExactly("memory.tsv");
  }

  @Test
  void write_failureMidWriteOfNewFile_leavesNothing() {
    Path target = dir.resolve("new.json");
    assertThatThrownBy(
            () ->
                DurableFile.write(
                    target,
                    out -> {
                      out.write(new byte[100_000]);
                      throw new IllegalStateException("broken serializer");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void write_streamClosedByTheContent_stillCommits() throws IOException {
    Path target = dir.resolve("export.zip");
    DurableFile.write(
        target,
        out -> {
          try (var zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("a.json"));
            zip.write("{}".getBytes(UTF_8));
            zip.closeEntry();
          }
        });
    try (var zip = new java.util.zip.ZipFile(target.toFile())) {
      assertThat(zip.getEntry("a.json")).isNotNull();
    }
    assertThat(names()).containsExactly("export.zip");
  }

  @Test
  void copy_replacesTheTargetWithTheSource() throws IOException {
    Path source = Files.write(dir.resolve("src.bin"), new byte[300_000]);
    Path target = dir.resolve("out").resolve("copy.bin");
    Files.createDirectories(target.getParent());
    Files.writeString(target, "old");
    DurableFile.copy(source, target);
    assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
  }

  @Test
  void copy_missingSource_failsAndLeavesNothing() {
    Path target = dir.resolve("copy.bin");
    assertThatThrownBy(() -> DurableFile.copy(dir.resolve("absent"), target))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void closeWithoutCommit_deletesTheTemporaryFile_targetUntouched() throws IOException {
    Path target = dir.resolve("x.json");
    Files.writeString(target, "kept");
    try (DurableFile f = DurableFile.beside(target)) {
      f.stream().write("partial".getBytes(UTF_8));
      assertThat(f.temp().getParent()).isEqualTo(target.getParent());
      assertThat(f.temp().getFileName().toString()).startsWith("x.json.").endsWith(".tmp");
      assertThat(Files.readString(f.temp())).isEqualTo("partial");
      assertThat(Files.readString(target)).isEqualTo("kept");
    }
    assertThat(names()).containsExactly("x.json");
  }

  @Test
  void commit_ofBytesWrittenToTheTemporaryFileByName_publishesThem() throws IOException {
    Path target = dir.resolve("osv.zip");
    try (DurableFile f = DurableFile.beside(target)) {
      Files.writeString(f.temp(), "downloaded");
      f.commit();
    }
    assertThat(Files.readString(target)).isEqualTo("downloaded");
    assertThat(names()).containsExactly("osv.zip");
  }

  @Test
  void commit_whenTheRenameFails_failsAndDeletesTheTemporaryFile() throws IOException {
    Path target = dir.resolve("taken");
    Files.createDirectories(target.resolve("child"));
    assertThatThrownBy(() -> DurableFile.write(target, "x".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
    assertThat(names()).containsExactly("taken");
    assertThat(target.resolve("child")).isDirectory();
  }

  @Test
  void commit_twice_isRefused() throws IOException {
    try (DurableFile f = DurableFile.beside(dir.resolve("once"))) {
      f.commit();
      assertThatThrownBy(f::commit)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("already closed");
    }
    assertThat(dir.resolve("once")).isEmptyFile();
  }

  @Test
  void through_aStoreTemporaryDirectory_publishesIntoANewDirectory() throws IOException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path target = dir.resolve("sha256").resolve("ab").resolve("abc");
    try (DurableFile f = DurableFile.through(tmp.resolve("abc.part"), target)) {
      f.stream().write("blob".getBytes(UTF_8));
      assertThat(f.commitIfAbsent()).isTrue();
    }
    assertThat(Files.readString(target)).isEqualTo("blob");
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void through_anExistingTemporaryFile_isRefused() throws IOException {
    Path tmp = Files.writeString(dir.resolve("abc.part"), "another writer's");
    assertThatThrownBy(() -> DurableFile.through(tmp, dir.resolve("abc")))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(Files.readString(tmp)).isEqualTo("another writer's");
  }
}
