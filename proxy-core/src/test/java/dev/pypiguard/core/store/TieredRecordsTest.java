package dev.pypiguard.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TieredRecordsTest {
  @TempDir Path dir;

  /** An object store in memory that can be down (unreachable) or failing (throws). */
  static final class MemoryStore implements ObjectStore {
    final Map<String, byte[]> objects = new TreeMap<>();
    final List<String> reads = new ArrayList<>();
    boolean reachable = true;
    boolean failing;

    private void check() throws IOException {
      if (failing) {
        throw new IOException("store down");
      }
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
      reads.add(key);
      check();
      return Optional.ofNullable(objects.get(key));
    }

    @Override
    public Optional<Body> open(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean exists(String key) {
      return objects.containsKey(key);
    }

    @Override
    public List<String> list(String prefix) {
      return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public void write(String key, byte[] content) throws IOException {
      check();
      objects.put(key, content);
    }

    @Override
    public byte[] create(String key, byte[] content) throws IOException {
      check();
      return objects.computeIfAbsent(key, k -> content);
    }

    @Override
    public void upload(String key, Path file) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String key) throws IOException {
      check();
      objects.remove(key);
    }

    @Override
    public boolean reachable() {
      return reachable;
    }
  }

  private final MemoryStore store = new MemoryStore();

  private TieredRecords records() {
    return new TieredRecords(
        dir.resolve("verdicts"), Optional.of(store), "shared/verdicts/", "verdict");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void read_localCopy_answersWithoutAskingTheSharedStore() throws IOException {
    Files.createDirectories(dir.resolve("verdicts/ab"));
    Files.writeString(dir.resolve("verdicts/ab/x.json"), "local");
    store.objects.put("shared/verdicts/ab/x.json", bytes("shared"));
    assertThat(records().read("ab/x.json", b -> true))
        .hasValueSatisfying(b -> assertThat(new String(b, UTF_8)).isEqualTo("local"));
    assertThat(store.reads).isEmpty();
  }

  @Test
  void read_onlyShared_answersItAndKeepsALocalCopy() throws IOException {
    store.objects.put("shared/verdicts/ab/x.json", bytes("shared"));
    assertThat(records().read("ab/x.json", b -> true)).isPresent();
    assertThat(dir.resolve("verdicts/ab/x.json")).hasContent("shared");
  }

  @Test
  void read_localNotAccepted_sharedAccepted_replacesTheLocalCopy() throws IOException {
    Files.createDirectories(dir.resolve("verdicts/ab"));
    Files.writeString(dir.resolve("verdicts/ab/x.json"), "old");
    store.objects.put("shared/verdicts/ab/x.json", bytes("new"));
    var read = records().read("ab/x.json", b -> new String(b, UTF_8).equals("new"));
    assertThat(read).hasValueSatisfying(b -> assertThat(new String(b, UTF_8)).isEqualTo("new"));
    assertThat(dir.resolve("verdicts/ab/x.json")).hasContent("new");
  }

  @Test
  void read_sharedNotAccepted_isEmptyAndKeepsNothing() throws IOException {
    store.objects.put("shared/verdicts/ab/x.json", bytes("garbage"));
    assertThat(records().read("ab/x.json", b -> false)).isEmpty();
    assertThat(dir.resolve("verdicts/ab/x.json")).doesNotExist();
  }

  @Test
  void read_sharedUnreachable_isEmptyWithoutAsking() throws IOException {
    store.objects.put("shared/verdicts/ab/x.json", bytes("shared"));
    store.reachable = false;
    assertThat(records().read("ab/x.json", b -> true)).isEmpty();
    assertThat(store.reads).isEmpty();
  }

  @Test
  void read_sharedFailing_isEmpty() throws IOException {
    store.failing = true;
    assertThat(records().read("ab/x.json", b -> true)).isEmpty();
    assertThat(store.reads).containsExactly("shared/verdicts/ab/x.json");
  }

  @Test
  void read_withoutASharedStore_answersLocalOnly() throws IOException {
    var local = new TieredRecords(dir, Optional.empty(), "", "page");
    assertThat(local.read("a.json", b -> true)).isEmpty();
    local.write("a.json", bytes("x"));
    assertThat(local.read("a.json", b -> true)).isPresent();
    assertThat(local.sharing()).isFalse();
  }

  @Test
  void write_keepsBothCopies_replacingTheSharedOne() throws IOException {
    store.objects.put("shared/verdicts/ab/x.json", bytes("old"));
    records().write("ab/x.json", bytes("new"));
    assertThat(dir.resolve("verdicts/ab/x.json")).hasContent("new");
    assertThat(store.objects.get("shared/verdicts/ab/x.json")).isEqualTo(bytes("new"));
  }

  @Test
  void write_sharedUnreachable_keepsTheLocalCopyOnly() throws IOException {
    store.reachable = false;
    records().write("ab/x.json", bytes("new"));
    assertThat(dir.resolve("verdicts/ab/x.json")).hasContent("new");
    assertThat(store.objects).isEmpty();
  }

  @Test
  void create_keepsTheFirstSharedCopy() throws IOException {
    store.objects.put("shared/verdicts/ab/x.json", bytes("first"));
    records().create("ab/x.json", bytes("second"));
    assertThat(store.objects.get("shared/verdicts/ab/x.json")).isEqualTo(bytes("first"));
    assertThat(dir.resolve("verdicts/ab/x.json")).hasContent("second");
  }

  @Test
  void delete_removesBothCopies_evenWhileTheStoreSeemsUnreachable() throws IOException {
    records().write("ab/x.json", bytes("x"));
    store.reachable = false;
    records().delete("ab/x.json");
    assertThat(dir.resolve("verdicts/ab/x.json")).doesNotExist();
    assertThat(store.objects).isEmpty();
  }

  @Test
  void delete_sharedFailing_stillRemovesTheLocalCopy() throws IOException {
    records().write("ab/x.json", bytes("x"));
    store.failing = true;
    records().delete("ab/x.json");
    assertThat(dir.resolve("verdicts/ab/x.json")).doesNotExist();
    assertThat(store.objects).containsKey("shared/verdicts/ab/x.json");
  }
}
