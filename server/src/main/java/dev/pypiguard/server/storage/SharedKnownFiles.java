package dev.pypiguard.server.storage;

import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.policy.rule.FileKnownFiles;
import dev.pypiguard.policy.rule.KnownFiles;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The name→sha256 memory shared by every replica (README §Fail closed): each pin is an empty,
 * immutable object {@code known-files/<project>/<filename>/<sha256>}, so one LIST per project reads
 * every replica's pins without a GET, and concurrent replicas cannot overwrite each other. Two
 * hashes listed for one name mean two replicas first saw different bytes: both are then treated as
 * swaps (fail closed), since which came first cannot be told.
 *
 * <p>This replica's own {@link FileKnownFiles} answers first and alone while the store is
 * unreachable; new pins are shared in the background. A project's listing is read again at most
 * every {@link #SYNC_NANOS}.
 */
final class SharedKnownFiles implements KnownFiles, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedKnownFiles.class);
  private static final long SYNC_NANOS = 10_000_000_000L;
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+!~-]{0,250}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final ObjectStore store;
  private final FileKnownFiles local;
  private final Executor io;

  /** What the store lists, by project, then file name: every sha256 any replica pinned. */
  private final Map<String, Map<String, Set<String>>> shared = new ConcurrentHashMap<>();

  private final Map<String, Long> synced = new ConcurrentHashMap<>();

  SharedKnownFiles(ObjectStore store, FileKnownFiles local, Executor io) {
    this.store = store;
    this.local = local;
    this.io = io;
  }

  private static String dir(String project) {
    return "known-files/" + project + "/";
  }

  @Override
  public String pin(String project, String filename, String sha256) {
    if (!SAFE.matcher(project).matches() || !SAFE.matcher(filename).matches()) {
      return local.pin(project, filename, sha256);
    }
    Map<String, Set<String>> known = sync(project);
    Set<String> others = known.getOrDefault(filename, Set.of());
    Optional<String> mine = local.pinned(filename);
    if (mine.isEmpty() && !others.isEmpty()) {
      // Another replica saw this name first: its bytes are the ones it stands for.
      String first = others.stream().sorted().findFirst().orElseThrow();
      local.learn(filename, first);
    }
    String pinned = local.pin(project, filename, sha256);
    for (String other : others) {
      if (!other.equals(pinned)) {
        return other;
      }
    }
    if (!others.contains(pinned)) {
      share(project, filename, pinned);
    }
    return pinned;
  }

  private void share(String project, String filename, String sha256) {
    known(project).computeIfAbsent(filename, k -> ConcurrentHashMap.newKeySet()).add(sha256);
    io.execute(
        () -> {
          if (!store.reachable()) {
            return;
          }
          try {
            store.create(dir(project) + filename + "/" + sha256, new byte[0]);
          } catch (IOException e) {
            LOG.warn("known files: cannot share {} ({}): {}", filename, sha256, e.getMessage());
          }
        });
  }

  private Map<String, Set<String>> known(String project) {
    return shared.computeIfAbsent(project, k -> new ConcurrentHashMap<>());
  }

  /** The project's pins as the store lists them, read again at most every {@link #SYNC_NANOS}. */
  private Map<String, Set<String>> sync(String project) {
    Map<String, Set<String>> known = known(project);
    long now = System.nanoTime();
    Long last = synced.get(project);
    if ((last != null && now - last < SYNC_NANOS) || !store.reachable()) {
      return known;
    }
    synced.put(project, now);
    try {
      for (String key : store.list(dir(project))) {
        String rest = key.substring(dir(project).length());
        int slash = rest.lastIndexOf('/');
        if (slash > 0 && SHA256.matcher(rest.substring(slash + 1)).matches()) {
          known
              .computeIfAbsent(rest.substring(0, slash), k -> ConcurrentHashMap.newKeySet())
              .add(rest.substring(slash + 1));
        }
      }
    } catch (IOException e) {
      LOG.warn("known files: cannot read the shared pins of {}: {}", project, e.getMessage());
    }
    return known;
  }

  @Override
  public Optional<String> pinned(String filename) {
    return local.pinned(filename);
  }

  @Override
  public String generation() {
    return local.generation();
  }

  @Override
  public String pinVerified(String project, String filename, String sha256) {
    String pinned = local.pinVerified(project, filename, sha256);
    if (SAFE.matcher(project).matches() && SAFE.matcher(filename).matches()) {
      share(project, filename, pinned);
    }
    return pinned;
  }

  @Override
  public void flush() {
    local.flush();
  }

  @Override
  public void close() throws IOException {
    local.close();
  }
}
