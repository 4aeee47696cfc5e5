package dev.pypiguard.policy.advisory;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.Version;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable set of OSV advisories about PyPI, indexed by PEP 503-normalized project name.
 *
 * <p>Withdrawn records are dropped. When two sources hold the same id, the more recently {@code
 * modified} record wins. Records that are aliases of each other (a PYSEC and a GHSA record listing
 * each other's ids, or sharing a CVE id) are reported once, as one merged {@link Advisory} (see
 * {@link #merge}).
 */
public final class AdvisoryDatabase implements AdvisoryLookup {
  /** No advisories. */
  public static final AdvisoryDatabase EMPTY = of(List.of());

  private final Map<String, List<Advisory>> byProject;
  private final int size;
  private final String generation;

  private AdvisoryDatabase(Map<String, List<Advisory>> byProject, int size, String generation) {
    this.byProject = byProject;
    this.size = size;
    this.generation = generation;
  }

  /** A database of {@code records}; withdrawn ones are left out. */
  public static AdvisoryDatabase of(Collection<Advisory> records) {
    // Sorted by id so that the generation depends on the content, not on the reading order.
    var byId = new TreeMap<String, Advisory>();
    for (Advisory a : records) {
      byId.merge(a.id(), a, AdvisoryDatabase::newer);
    }
    var index = new HashMap<String, List<Advisory>>();
    MessageDigest md = sha256();
    int size = 0;
    for (Advisory a : byId.values()) {
      // Withdrawn records still count in the generation: withdrawing one changes judgements.
      md.update(a.toString().getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
      if (a.withdrawn().isPresent()) {
        continue;
      }
      size++;
      for (String project :
          new TreeSet<>(a.affected().stream().map(Advisory.Affected::project).toList())) {
        index.computeIfAbsent(project, k -> new ArrayList<>(2)).add(a);
      }
    }
    index.replaceAll((k, v) -> List.copyOf(v));
    return new AdvisoryDatabase(
        Map.copyOf(index), size, "osv-" + HexFormat.of().formatHex(md.digest()).substring(0, 16));
  }

  private static Advisory newer(Advisory a, Advisory b) {
    Instant ma = a.modified().orElse(Instant.MIN);
    Instant mb = b.modified().orElse(Instant.MIN);
    return mb.isAfter(ma) ? b : a;
  }

  /** How many records it holds (withdrawn ones left out). */
  /** Every record, once (a record about several projects is indexed under each). */
  public java.util.Set<Advisory> allRecords() {
    var all = new java.util.LinkedHashSet<Advisory>();
    byProject.values().forEach(all::addAll);
    return all;
  }

  public int size() {
    return size;
  }

  /** Every record about {@code project}, unmerged. */
  public List<Advisory> records(ProjectName project) {
    return byProject.getOrDefault(project.value(), List.of());
  }

  /** The advisories affecting {@code version} of {@code project}, one per flaw. */
  public List<Advisory> affecting(ProjectName project, Version version) {
    return merge(
        project.value(),
        records(project).stream().filter(a -> a.affects(project.value(), version)).toList());
  }

  @Override
  public List<Advisory> affecting(ProjectName project, String version) {
    return merge(project.value(), hits(project, version));
  }

  /**
   * The records affecting {@code version} of {@code project}, unmerged (a version string that is
   * not PEP 440 too).
   */
  List<Advisory> hits(ProjectName project, String version) {
    Optional<Version> v = Version.tryParse(version);
    return records(project).stream()
        .filter(
            a ->
                v.isPresent()
                    ? a.affects(project.value(), v.get())
                    : a.affects(project.value(), version))
        .toList();
  }

  @Override
  public Optional<Advisory> maliciousProject(ProjectName project) {
    // Asked on every page hit (README "Speed"): a loop, not a stream, over what is mostly none.
    Advisory first = null;
    for (Advisory a : records(project)) {
      if (a.malicious()
          && a.affectsAllVersions(project.value())
          && (first == null || a.id().compareTo(first.id()) < 0)) {
        first = a;
      }
    }
    return Optional.ofNullable(first);
  }

  /** A digest of the content: equal for equal content, however it was read. */
  @Override
  public String generation() {
    return generation;
  }

  /**
   * Merges records about one release that name the same flaw: records are grouped when one's id or
   * aliases meet another's. Each group becomes one advisory: the primary id is, by preference, a
   * MAL-, PYSEC- then GHSA- record id (then the smallest id), so that the same group always reports
   * the same id; every other id and alias is listed in {@code aliases}; it is malicious if any
   * record is; its severity is the highest any record states (a record without one takes its
   * group's, as the same flaw; only a group that states none stays unrated); its affected entries
   * are all of the group's for {@code project}. Sorted: malicious first, then by severity, then by
   * id.
   */
  static List<Advisory> merge(String project, List<Advisory> hits) {
    if (hits.isEmpty()) {
      return List.of();
    }
    // Union-find over records, joined through any shared identifier.
    int n = hits.size();
    int[] parent = new int[n];
    var owner = new HashMap<String, Integer>();
    for (int i = 0; i < n; i++) {
      parent[i] = i;
      for (String id : hits.get(i).ids()) {
        Integer j = owner.putIfAbsent(id, i);
        if (j != null) {
          parent[find(parent, i)] = find(parent, j);
        }
      }
    }
    var groups = new LinkedHashMap<Integer, List<Advisory>>();
    for (int i = 0; i < n; i++) {
      groups.computeIfAbsent(find(parent, i), k -> new ArrayList<>(2)).add(hits.get(i));
    }
    var out = new ArrayList<Advisory>(groups.size());
    for (List<Advisory> g : groups.values()) {
      out.add(g.size() == 1 && g.get(0).affected().size() == 1 ? g.get(0) : combine(project, g));
    }
    out.sort(
        Comparator.comparing((Advisory a) -> !a.malicious())
            .thenComparing(a -> -a.severity().map(Enum::ordinal).orElse(Severity.HIGH.ordinal()))
            .thenComparing(Advisory::id));
    return List.copyOf(out);
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  private static Advisory combine(String project, List<Advisory> group) {
    Advisory primary = group.stream().min(PRIMARY).orElseThrow();
    var ids = new TreeSet<String>();
    var affected = new ArrayList<Advisory.Affected>();
    Optional<Severity> severity = Optional.empty();
    Optional<Instant> modified = Optional.empty();
    boolean malicious = false;
    for (Advisory a : group) {
      ids.addAll(a.ids());
      affected.addAll(a.about(project));
      malicious |= a.malicious();
      if (a.severity().isPresent()
          && (severity.isEmpty() || a.severity().get().compareTo(severity.get()) > 0)) {
        severity = a.severity();
      }
      if (a.modified().isPresent()
          && (modified.isEmpty() || a.modified().get().isAfter(modified.get()))) {
        modified = a.modified();
      }
    }
    ids.remove(primary.id());
    return new Advisory(
        primary.id(),
        List.copyOf(ids),
        Optional.empty(),
        primary.summary(),
        malicious,
        severity,
        affected,
        modified);
  }

  private static final Comparator<Advisory> PRIMARY =
      Comparator.comparingInt((Advisory a) -> rank(a.id())).thenComparing(Advisory::id);

  private static int rank(String id) {
    if (id.startsWith("MAL-")) {
      return 0;
    }
    if (id.startsWith("PYSEC-")) {
      return 1;
    }
    return id.startsWith("GHSA-") ? 2 : 3;
  }

  private static MessageDigest sha256() {
    return dev.pypiguard.core.blob.Sha256.digest();
  }
}
