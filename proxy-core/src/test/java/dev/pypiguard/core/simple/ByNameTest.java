package dev.pypiguard.core.simple;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding a page's items by file name: by a scan on short lists, by an index on long ones. */
class ByNameTest {
  private record Item(String name, int n) {}

  private final ByName<Item> byName = new ByName<>(Item::name);

  /** {@code count} items named f0, f1, ..., and a second item named f1 at the end. */
  private static List<Item> items(int count) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      items.add(new Item("f" + i, i));
    }
    items.add(new Item("f1", count));
    return List.copyOf(items);
  }

  @Test
  void everyItemOfTheName_inListOrder_onShortAndLongLists() {
    for (int count : new int[] {3, 31, 32, 5000}) {
      List<Item> items = items(count);
      assertThat(byName.in(items, "f1"))
          .as("%d items", count)
          .containsExactly(new Item("f1", 1), new Item("f1", count));
      assertThat(byName.in(items, "f2")).as("%d items", count).containsExactly(new Item("f2", 2));
      assertThat(byName.in(items, "f" + (count + 7))).as("%d items", count).isEmpty();
      assertThat(byName.in(items, "F2")).as("names are exact").isEmpty();
    }
  }

  @Test
  void anotherList_withTheSameItems_isIndexedOnItsOwn() {
    List<Item> first = items(100);
    assertThat(byName.in(first, "f50")).containsExactly(new Item("f50", 50));
    List<Item> changed = new ArrayList<>(first);
    changed.set(50, new Item("g50", 50));
    List<Item> second = List.copyOf(changed);
    assertThat(byName.in(second, "f50")).isEmpty();
    assertThat(byName.in(second, "g50")).containsExactly(new Item("g50", 50));
    assertThat(byName.in(first, "f50")).containsExactly(new Item("f50", 50));
  }
}
