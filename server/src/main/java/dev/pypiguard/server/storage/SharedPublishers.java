package dev.pypiguard.server.storage;

import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.policy.attestation.PublisherMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishers remembered for {@code attestations.publisher-change}, shared by every replica: one
 * immutable object per attested release, {@code publishers/<project>/<version>}, holding {@code key
 * TAB display TAB upload-epoch-millis}. Nothing is ever rewritten, so concurrent replicas cannot
 * lose each other's records; the first verified upload wins when they are read back.
 */
final class SharedPublishers implements PublisherMemory.Shared {
  private static final Logger LOG = LoggerFactory.getLogger(SharedPublishers.class);

  /** Normalized project names and PEP 440 version strings: nothing that could leave the prefix. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+!-]*");

  private final ObjectStore store;

  /** Records already read, by object key: they are immutable, so each is read once. */
  private final java.util.Map<String, PublisherMemory.Remembered> read =
      new java.util.concurrent.ConcurrentHashMap<>();

  SharedPublishers(ObjectStore store) {
    this.store = store;
  }

  private static String dir(String project) {
    return "publishers/" + project + "/";
  }

  @Override
  public void keep(String project, PublisherMemory.Remembered r) {
    if (!SAFE.matcher(project).matches()
        || !SAFE.matcher(r.since()).matches()
        || !store.reachable()) {
      return;
    }
    String record =
        r.key()
            + "\t"
            + r.display().replace('\t', ' ').replace('\n', ' ')
            + r.uploaded().map(t -> "\t" + t.toEpochMilli()).orElse("");
    try {
      store.create(dir(project) + r.since(), record.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.warn("publisher-change: cannot share {} {}: {}", project, r.since(), e.getMessage());
    }
  }

  @Override
  public List<PublisherMemory.Remembered> all(String project) {
    var out = new ArrayList<PublisherMemory.Remembered>();
    if (!SAFE.matcher(project).matches() || !store.reachable()) {
      return out;
    }
    try {
      for (String key : store.list(dir(project))) {
        String version = key.substring(dir(project).length());
        if (!SAFE.matcher(version).matches()) {
          continue;
        }
        PublisherMemory.Remembered known = read.get(key);
        if (known != null) {
          out.add(known);
          continue;
        }
        store
            .read(key)
            .ifPresent(
                bytes -> {
                  String[] f = new String(bytes, StandardCharsets.UTF_8).split("\t", 3);
                  if (f.length >= 2) {
                    var r =
                        new PublisherMemory.Remembered(
                            f[0],
                            f[1].strip(),
                            version,
                            f.length == 3
                                ? PublisherMemory.millis(f[2])
                                : java.util.Optional.empty());
                    read.put(key, r);
                    out.add(r);
                  }
                });
      }
    } catch (IOException e) {
      LOG.warn(
          "publisher-change: cannot read the shared records of {}: {}", project, e.getMessage());
    }
    return out;
  }
}
