package dev.pypiguard.core.blob;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a blob store under a size limit by deleting the least recently used blobs, never one that
 * is pinned (being sent to a client). Blobs being downloaded are not in the store yet, so they
 * cannot be evicted either.
 *
 * <p>Recency starts from the files' modification times at start-up and follows every hit and every
 * new blob from then on.
 */
final class LruEviction {
  private static final Logger LOG = LoggerFactory.getLogger(LruEviction.class);

  private final long maxBytes;
  private final LinkedHashMap<Sha256, Long> sizes = new LinkedHashMap<>(1024, 0.75f, true);
  private final Map<Sha256, Integer> pins = new HashMap<>();
  private long total;

  LruEviction(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Reads what the store holds, oldest first. */
  synchronized void scan(Path shaRoot) {
    if (!Files.isDirectory(shaRoot)) {
      return;
    }
    try (Stream<Path> files = Files.walk(shaRoot)) {
      files
          .filter(Files::isRegularFile)
          .map(
              p -> {
                try {
                  return Map.entry(p, Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                  return Map.entry(p, 0L);
                }
              })
          .sorted(Map.Entry.comparingByValue())
          .forEach(
              e ->
                  Sha256.parse(e.getKey().getFileName().toString())
                      .ifPresent(
                          k -> {
                            try {
                              long size = Files.size(e.getKey());
                              sizes.put(k, size);
                              total += size;
                            } catch (IOException ignored) {
                              // vanished meanwhile
                            }
                          }));
    } catch (IOException e) {
      LOG.warn("cannot scan the store {}: {}", shaRoot, e.toString());
    }
  }

  synchronized void touched(Sha256 key) {
    sizes.get(key); // access order: moves it to the most recent end
  }

  /** A blob deleted from the store: no longer counted. */
  synchronized void removed(Sha256 key) {
    Long size = sizes.remove(key);
    if (size != null) {
      total -= size;
    }
  }

  synchronized void pin(Sha256 key) {
    pins.merge(key, 1, Integer::sum);
  }

  synchronized void unpin(Sha256 key) {
    pins.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }

  synchronized long total() {
    return total;
  }

  /** Records a new blob and returns the blobs to delete, least recently used first. */
  synchronized java.util.List<Sha256> added(Sha256 key, long size) {
    Long old = sizes.put(key, size);
    total += size - (old == null ? 0 : old);
    var victims = new java.util.ArrayList<Sha256>();
    Iterator<Map.Entry<Sha256, Long>> it = sizes.entrySet().iterator();
    while (total > maxBytes && it.hasNext()) {
      Map.Entry<Sha256, Long> e = it.next();
      if (e.getKey().equals(key) || pins.containsKey(e.getKey())) {
        continue;
      }
      total -= e.getValue();
      victims.add(e.getKey());
      it.remove();
    }
    return victims;
  }
}
