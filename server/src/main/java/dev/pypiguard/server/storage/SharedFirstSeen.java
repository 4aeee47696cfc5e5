package dev.pypiguard.server.storage;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.policy.rule.FileFirstSeen;
import dev.pypiguard.policy.rule.FirstSeen;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First sightings shared by every replica: one object per file key, {@code first-seen/<sha256 of
 * the key>}, holding {@code key TAB epoch-millis}, written only if absent. The first replica to see
 * a file sets its time; every other one reads it, so a cooldown started by first sight is the same
 * whichever replica pip reaches.
 *
 * <p>Each answer is also kept in the replica's own {@link FileFirstSeen}, which answers alone while
 * the store is unreachable (and is asked again once it is back).
 */
public final class SharedFirstSeen implements FirstSeen, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedFirstSeen.class);

  private final ObjectStore store;
  private final FileFirstSeen local;
  private final Map<String, Instant> known = new ConcurrentHashMap<>();

  public SharedFirstSeen(ObjectStore store, FileFirstSeen local) {
    this.store = store;
    this.local = local;
  }

  @Override
  public Instant firstSeen(String key, Instant now) {
    Instant t = known.get(FirstSeen.checkKey(key));
    return t != null ? t : ask(key, now);
  }

  /** Asks the store, where the first replica to ask sets the time. */
  private Instant ask(String key, Instant now) {
    if (!store.reachable()) {
      return local.firstSeen(key, now);
    }
    try {
      // Offer this replica's own first sighting, if it has one (after an outage, or a cache that
      // moved to shared storage): a file must not start its cooldown again.
      String record = key + "\t" + local.recorded(key).orElse(now).toEpochMilli();
      byte[] held = store.create(objectKey(key), record.getBytes(StandardCharsets.UTF_8));
      Instant shared = parse(key, new String(held, StandardCharsets.UTF_8)).orElse(now);
      known.put(key, shared);
      local.firstSeen(key, shared);
      return shared;
    } catch (IOException e) {
      LOG.warn(
          "first-seen: the shared store is unavailable ({}); using this replica's record",
          e.getMessage());
      return local.firstSeen(key, now);
    }
  }

  static String objectKey(String key) {
    String h = Sha256.of(key.getBytes(StandardCharsets.UTF_8)).hex();
    return "first-seen/" + h.substring(0, 2) + "/" + h;
  }

  private static Optional<Instant> parse(String key, String record) {
    int tab = record.lastIndexOf('\t');
    if (tab <= 0 || !record.substring(0, tab).equals(key)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.ofEpochMilli(Long.parseLong(record.substring(tab + 1).strip())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    local.close();
  }
}
