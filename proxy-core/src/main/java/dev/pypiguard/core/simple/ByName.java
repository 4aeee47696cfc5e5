package dev.pypiguard.core.simple;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The items of a page's immutable list with a given file name, found by an index built once per
 * list instead of a scan per request (README "Speed": a file request of a page of thousands of
 * files looked at every one of them, twice). A list is its own key, by identity, and its index goes
 * when the list does.
 *
 * @param <T> what the list holds
 */
public final class ByName<T> {
  /** Below this many items a scan costs less than a look-up. */
  private static final int INDEXED_FROM = 32;

  private final Function<T, String> name;
  private final Cache<List<T>, Map<String, List<T>>> index =
      Caffeine.newBuilder()
          .weakKeys() // identity, and gone with the list
          .maximumWeight(250_000)
          .<List<T>, Map<String, List<T>>>weigher((list, byName) -> list.size())
          .build();

  public ByName(Function<T, String> name) {
    this.name = name;
  }

  /** The items of {@code items} named {@code wanted}, in list order. */
  public List<T> in(List<T> items, String wanted) {
    if (items.size() < INDEXED_FROM) {
      List<T> out = new ArrayList<>(1);
      for (T t : items) {
        if (name.apply(t).equals(wanted)) {
          out.add(t);
        }
      }
      return out;
    }
    return index.get(items, this::build).getOrDefault(wanted, List.of());
  }

  private Map<String, List<T>> build(List<T> items) {
    Map<String, List<T>> byName = new HashMap<>();
    for (T t : items) {
      byName.computeIfAbsent(name.apply(t), k -> new ArrayList<>(1)).add(t);
    }
    byName.replaceAll((k, v) -> List.copyOf(v));
    return byName;
  }
}
