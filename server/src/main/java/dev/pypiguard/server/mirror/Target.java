package dev.pypiguard.server.mirror;

import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.requirement.Marker;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.version.Version;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One environment a seed prepares for: a Python version and a platform tag, each optional. What is
 * not given is not filtered on: any Python satisfies Requires-Python, and markers on it are unknown
 * (kept).
 *
 * @param python the Python version ({@code 3.11} or {@code 3.11.4}), when given
 * @param platforms the wheel platform tags accepted; empty accepts pure wheels only
 */
record Target(Optional<String> python, List<String> platforms) {
  private static final Pattern MANYLINUX = Pattern.compile("(many|musl)linux_(\\d+)_(\\d+)_(.+)");
  private static final Map<String, String> LEGACY_MANYLINUX =
      Map.of(
          "manylinux1",
          "manylinux_2_5",
          "manylinux2010",
          "manylinux_2_12",
          "manylinux2014",
          "manylinux_2_17");

  Target {
    platforms = List.copyOf(platforms);
  }

  @Override
  public String toString() {
    return python.map(p -> "python " + p).orElse("any python")
        + (platforms.isEmpty() ? "" : " on " + String.join(",", platforms));
  }

  /** The marker variables this target fixes (PEP 508 §Environment Markers). */
  Marker.Environment environment(java.util.Set<String> extras) {
    var v = new HashMap<String, String>();
    python.ifPresent(
        p -> {
          String[] parts = p.split("\\.");
          v.put("python_version", parts.length >= 2 ? parts[0] + "." + parts[1] : p);
          v.put("python_full_version", parts.length >= 3 ? p : p + ".0");
          // pip download --python-version assumes CPython; so does the seed.
          v.put("implementation_name", "cpython");
          v.put("platform_python_implementation", "CPython");
        });
    if (platforms.size() == 1) {
      String p = platforms.get(0);
      if (p.contains("linux")) {
        put(v, "linux", "Linux", "posix", arch(p));
      } else if (p.startsWith("macosx")) {
        put(v, "darwin", "Darwin", "posix", arch(p));
      } else if (p.startsWith("win")) {
        String machine = p.equals("win32") ? "x86" : p.equals("win_amd64") ? "AMD64" : "ARM64";
        put(v, "win32", "Windows", "nt", machine);
      }
    }
    return new Marker.Environment(v, extras);
  }

  private static void put(
      Map<String, String> v, String sys, String system, String os, String machine) {
    v.put("sys_platform", sys);
    v.put("platform_system", system);
    v.put("os_name", os);
    if (!machine.isEmpty() && !machine.equals("universal2")) {
      v.put("platform_machine", machine);
    }
  }

  private static String arch(String platform) {
    Matcher m = MANYLINUX.matcher(platform);
    if (m.matches()) {
      return m.group(4);
    }
    if (platform.startsWith("linux_")) {
      return platform.substring("linux_".length());
    }
    String[] parts = platform.split("_");
    return parts.length >= 4 ? String.join("_", List.of(parts).subList(3, parts.length)) : "";
  }

  /** Whether a file's Requires-Python admits this target's Python. */
  boolean admits(Optional<String> requiresPython) {
    if (python.isEmpty() || requiresPython.isEmpty() || requiresPython.get().isBlank()) {
      return true;
    }
    try {
      return SpecifierSet.parse(requiresPython.get()).contains(Version.parse(fullPython()));
    } catch (IllegalArgumentException e) {
      return true; // an unreadable Requires-Python: pip ignores it too
    }
  }

  private String fullPython() {
    String p = python.orElseThrow();
    return p.split("\\.").length >= 3 ? p : p + ".0";
  }

  /**
   * Whether this target can install a file: sdists always (the policy decides on them), pure wheels
   * for a matching Python, platform wheels only for a requested platform.
   */
  boolean installs(DistributionFilename f) {
    if (f.kind() == DistributionFilename.Kind.SDIST) {
      return true;
    }
    if (f.kind() != DistributionFilename.Kind.WHEEL) {
      return false;
    }
    boolean pythonOk = f.pythonTags().stream().anyMatch(t -> pythonTag(t, f.abiTags()));
    boolean platformOk = f.platformTags().stream().anyMatch(this::platformTag);
    return pythonOk && platformOk;
  }

  private boolean pythonTag(String tag, Set<String> abis) {
    if (python.isEmpty()) {
      return tag.startsWith("py3") || tag.startsWith("cp3") || tag.equals("py2.py3");
    }
    String[] parts = python.get().split("\\.");
    String major = parts[0];
    String minor = parts.length > 1 ? parts[1] : "0";
    if (tag.equals("py" + major) || tag.equals("py" + major + minor)) {
      return true;
    }
    if (tag.startsWith("py" + major) && tag.length() > 3) {
      // pyXY wheels install on later minors of the same major (packaging's compatible_tags).
      return minorOf(tag.substring(2 + major.length())) <= Integer.parseInt(minor);
    }
    if (tag.equals("cp" + major + minor)) {
      return true;
    }
    // PEP 384: an abi3 wheel built for cp3Y runs on every later CPython 3.
    return tag.startsWith("cp" + major)
        && abis.contains("abi3")
        && minorOf(tag.substring(2 + major.length())) <= Integer.parseInt(minor);
  }

  private static int minorOf(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  private boolean platformTag(String tag) {
    if (tag.equals("any")) {
      return true;
    }
    for (String wanted : platforms) {
      if (wanted.equals(tag) || olderGlibc(tag, wanted)) {
        return true;
      }
    }
    return false;
  }

  /** PEP 600: a manylinux_X_Y wheel runs wherever glibc is at least X.Y, on the same machine. */
  private static boolean olderGlibc(String tag, String wanted) {
    Matcher t = MANYLINUX.matcher(legacy(tag));
    Matcher w = MANYLINUX.matcher(legacy(wanted));
    if (!t.matches()
        || !w.matches()
        || !t.group(1).equals(w.group(1))
        || !t.group(4).equals(w.group(4))) {
      return false;
    }
    int tMajor = Integer.parseInt(t.group(2));
    int wMajor = Integer.parseInt(w.group(2));
    return tMajor < wMajor
        || (tMajor == wMajor && Integer.parseInt(t.group(3)) <= Integer.parseInt(w.group(3)));
  }

  private static String legacy(String tag) {
    for (var e : LEGACY_MANYLINUX.entrySet()) {
      if (tag.startsWith(e.getKey() + "_")) {
        return e.getValue() + tag.substring(e.getKey().length());
      }
    }
    return tag;
  }
}
