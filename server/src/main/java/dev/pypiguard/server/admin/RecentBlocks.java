package dev.pypiguard.server.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * The most recent blocking decisions served, for the admin API and the status page: a bounded
 * buffer in memory (the audit log on disk keeps them all).
 *
 * <p>The same decision served again (pip asks for a page on every install) updates its entry (time,
 * client, count) instead of pushing older decisions out.
 */
public final class RecentBlocks {
  /**
   * One decision.
   *
   * @param decision {@code block}, or {@code would-block} in audit mode
   * @param via {@code page} (the file was left off a page) or {@code file} (a download refused)
   * @param rule the first rule that blocked, {@code reason} all of them
   * @param client the client's address at the last time, {@code user} its principal or {@code -}
   * @param count how many times it was served since {@code first}
   */
  public record Entry(
      Instant first,
      Instant last,
      long count,
      String project,
      String file,
      String version,
      String decision,
      String via,
      String rule,
      String reason,
      String client,
      String user) {}

  private record Key(String project, String file, String decision, String reason) {}

  private final int capacity;
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();

  public RecentBlocks(int capacity) {
    this.capacity = capacity;
  }

  public int capacity() {
    return capacity;
  }

  /** Records a decision served now. */
  public void add(
      Instant time,
      String project,
      String file,
      String version,
      String decision,
      String via,
      String rule,
      String reason,
      String client,
      String user) {
    add(time, project, file, version, decision, via, rule, reason, client, user, 1);
  }

  /** Records a decision served {@code times} times, the last at {@code time}. */
  public synchronized void add(
      Instant time,
      String project,
      String file,
      String version,
      String decision,
      String via,
      String rule,
      String reason,
      String client,
      String user,
      long times) {
    var key = new Key(project, file, decision, reason);
    Entry old = entries.remove(key);
    entries.put(
        key,
        new Entry(
            old == null ? time : old.first(),
            time,
            old == null ? times : old.count() + times,
            project,
            file,
            version,
            decision,
            old == null ? via : mergeVia(old.via(), via),
            rule,
            reason,
            client,
            user));
    Iterator<Key> oldest = entries.keySet().iterator();
    while (entries.size() > capacity && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  private static String mergeVia(String a, String b) {
    return Objects.equals(a, b) ? a : "page,file";
  }

  /** The newest {@code limit} entries, newest first. */
  public synchronized List<Entry> newest(int limit) {
    var all = new ArrayList<>(entries.values());
    all.sort(Comparator.comparing(Entry::last).reversed());
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }

  public synchronized int size() {
    return entries.size();
  }
}
