package dev.pypiguard.policy.rule;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link FirstSeen} store that forgets everything when the process ends; for tests and {@code
 * check}.
 */
public final class InMemoryFirstSeen implements FirstSeen {
  private final Map<String, Instant> times = new ConcurrentHashMap<>();

  @Override
  public Instant firstSeen(String key, Instant now) {
    return times.computeIfAbsent(FirstSeen.checkKey(key), k -> now);
  }
}
