package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.BaselineJudge;
import dev.pypiguard.policy.inspection.Check;
import dev.pypiguard.policy.inspection.Finding;
import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.InspectionPolicy;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code inspection} rule (README "Artifact inspection"): judges each file by its stored
 * inspection, at serve time like every rule, so a changed policy applies at once to what is cached.
 * What only the page knows is judged here, not when inspecting: the metadata's name against the
 * project, its version against the file name's, commands against the project that owns them, and a
 * release against the one before it.
 *
 * <p>A file not inspected yet has no findings: the server inspects a file before its first byte is
 * sent, so a download is always judged with them.
 */
public final class InspectionRule implements Rule {
  /** Commands that belong to one project: pip's pip, pip3 and pip3.12 are not a shadowing. */
  private static final Map<String, Pattern> OWNERS =
      Map.of(
          "pip", Pattern.compile("pip[0-9.]*"),
          "uv", Pattern.compile("uvx?"));

  private final InspectionPolicy config;
  private final Inspections store;

  public InspectionRule(InspectionPolicy config, Inspections store) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
  }

  /** The page last scanned for release history (compared by identity), with its generation. */
  private record History(ProjectPage page, String generation, TreeMap<Version, Facts> byVersion) {}

  /** What a release's inspected files of one kind did: run code at install, carry native code. */
  private record Facts(Map<Inspection.Kind, boolean[]> kinds) {}

  private volatile @Nullable History last;

  @Override
  public void check(FileContext f, Findings out) {
    Optional<dev.pypiguard.core.blob.Sha256> sha = f.file().digest();
    if (!config.active() || sha.isEmpty()) {
      return;
    }
    Optional<Inspection> found = store.inspection(sha.get());
    if (found.isEmpty()
        || found.get().kind() == Inspection.Kind.OTHER && found.get().findings().isEmpty()) {
      return;
    }
    Inspection i = found.get();
    for (Finding x : i.findings()) {
      act(
          x.rule(),
          x.severity(),
          (x.path().isEmpty() ? "" : x.path() + ": ") + x.message(),
          f,
          out);
    }
    i.name()
        .ifPresent(
            n -> {
              if (!ProjectName.normalize(n).equals(f.project())) {
                act(
                    Check.NAME_MISMATCH,
                    "metadata Name \"" + n + "\" is not the project " + f.project(),
                    f,
                    out);
              }
            });
    if (i.version().isPresent()
        && !f.version().isEmpty()
        && !sameVersion(i.version().get(), f.version())) {
      act(
          Check.VERSION_MISMATCH,
          "metadata Version " + i.version().get() + " is not the file name's " + f.version(),
          f,
          out);
    }
    Pattern own = OWNERS.get(f.project());
    for (Inspection.Command c : i.commands()) {
      if (own == null || !own.matcher(c.name().toLowerCase(Locale.ROOT)).matches()) {
        act(
            Check.ENTRY_POINT_SHADOW,
            c.path() + ": installs the command \"" + c.name() + "\", which shadows the system's",
            f,
            out);
      }
    }
    if ((i.installHook() || i.nativeCode()) && f.parsedVersion().isPresent()) {
      change(f, i, out);
    }
  }

  private static boolean sameVersion(String metadata, String filename) {
    Optional<Version> a = Version.tryParse(metadata);
    Optional<Version> b = Version.tryParse(filename);
    if (a.isPresent() && b.isPresent()) {
      return a.get().compareTo(b.get()) == 0;
    }
    return metadata.strip().equalsIgnoreCase(filename.strip());
  }

  private void act(Check c, String message, FileContext f, Findings out) {
    act(c.id(), c.severity(), message, f, out);
  }

  private void act(
      String rule, Finding.Severity severity, String message, FileContext f, Findings out) {
    Verdicts.apply(config.action(rule, severity), rule, message, f, store, out);
  }

  /**
   * new-install-hook and new-native-code: against the newest earlier release that was inspected.
   */
  private void change(FileContext f, Inspection i, Findings out) {
    TreeMap<Version, Facts> history = history(f.page());
    Map.Entry<Version, Facts> before = history.lowerEntry(f.parsedVersion().get());
    while (before != null && !before.getValue().kinds().containsKey(i.kind())) {
      before = history.lowerEntry(before.getKey());
    }
    if (before == null) {
      return;
    }
    boolean[] had = java.util.Objects.requireNonNull(before.getValue().kinds().get(i.kind()));
    String kind = i.kind() == Inspection.Kind.WHEEL ? "wheel" : "sdist";
    if (i.installHook() && !had[0]) {
      act(
          Check.NEW_INSTALL_HOOK,
          "this "
              + kind
              + " runs code at install or start-up; the "
              + kind
              + " of the previous release "
              + before.getKey()
              + " did not",
          f,
          out);
    }
    if (i.nativeCode() && !had[1]) {
      act(
          Check.NEW_NATIVE_CODE,
          "this "
              + kind
              + " carries native code; the "
              + kind
              + " of the previous release "
              + before.getKey()
              + " did not",
          f,
          out);
    }
  }

  private TreeMap<Version, Facts> history(ProjectPage page) {
    String generation = store.generation();
    History h = last;
    if (h != null && h.page() == page && h.generation().equals(generation)) {
      return h.byVersion();
    }
    var byVersion = new TreeMap<Version, Facts>();
    for (FileEntry e : page.files()) {
      if (e.digest().isEmpty()) {
        continue;
      }
      Optional<Inspection> i = store.inspection(e.digest().get());
      Optional<Version> v = Version.tryParse(BaselineJudge.versionOf(page, e));
      if (i.isEmpty() || v.isEmpty() || i.get().kind() == Inspection.Kind.OTHER) {
        continue;
      }
      boolean[] flags =
          byVersion
              .computeIfAbsent(v.get(), k -> new Facts(new HashMap<>()))
              .kinds()
              .computeIfAbsent(i.get().kind(), k -> new boolean[2]);
      flags[0] |= i.get().installHook();
      flags[1] |= i.get().nativeCode();
    }
    last = new History(page, generation, byVersion);
    return byVersion;
  }

  @Override
  public String fingerprint() {
    return "inspection-" + store.generation();
  }
}
