package dev.pypiguard.policy.advisory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * CVSS base scores computed from vector strings: version 3.0/3.1 by the formulas of CVSS v3.1 §7.1
 * and Appendix A, version 4.0 by the MacroVector interpolation of CVSS v4.0 §8.
 *
 * <p>Only base metrics count: a v4.0 vector's threat and environmental metrics are ignored, so the
 * result is the CVSS-B score (v4.0 §1.3), which is what advisories rate.
 */
final class Cvss {
  private Cvss() {}

  /** The base score of a {@code CVSS:3.x/...} or {@code CVSS:4.0/...} vector; empty if invalid. */
  public static OptionalDouble baseScore(String vector) {
    String v = vector.strip();
    if (v.startsWith("CVSS:3.1/") || v.startsWith("CVSS:3.0/")) {
      return v3(v.substring(9));
    }
    if (v.startsWith("CVSS:4.0/")) {
      return v4(v.substring(9));
    }
    return OptionalDouble.empty();
  }

  /** Metric name to value, or null when a part is malformed, repeated or not allowed. */
  private static @Nullable Map<String, String> metrics(
      String body, Map<String, Set<String>> allowed) {
    var out = new LinkedHashMap<String, String>();
    for (String part : body.split("/", -1)) {
      int colon = part.indexOf(':');
      if (colon <= 0) {
        return null;
      }
      String name = part.substring(0, colon);
      String value = part.substring(colon + 1);
      Set<String> values = allowed.get(name);
      if (values == null) {
        // v4.0 §7: threat, environmental and supplemental metrics may follow; they do not
        // change the base score, so any well-formed one is accepted and skipped.
        if (name.matches("[A-Z]{1,3}") && value.matches("[A-Z]{1,2}") && allowed == V4) {
          continue;
        }
        return null;
      }
      if (!values.contains(value) || out.put(name, value) != null) {
        return null;
      }
    }
    return out.keySet().containsAll(allowed.keySet()) ? out : null;
  }

  // --- CVSS v3.1 -----------------------------------------------------------------------------

  private static final Map<String, Set<String>> V3 =
      Map.of(
          "AV", Set.of("N", "A", "L", "P"),
          "AC", Set.of("L", "H"),
          "PR", Set.of("N", "L", "H"),
          "UI", Set.of("N", "R"),
          "S", Set.of("U", "C"),
          "C", Set.of("H", "L", "N"),
          "I", Set.of("H", "L", "N"),
          "A", Set.of("H", "L", "N"));

  // metrics() returns only maps holding every base metric of the version, and the level tables
  // hold every value those metrics allow: the look-ups below cannot miss (NullAway cannot see it).
  @SuppressWarnings("NullAway")
  private static OptionalDouble v3(String body) {
    // Temporal and environmental metrics may follow the base ones; keep the base ones only.
    StringBuilder base = new StringBuilder();
    for (String part : body.split("/", -1)) {
      String name = part.contains(":") ? part.substring(0, part.indexOf(':')) : part;
      if (V3.containsKey(name)) {
        base.append(base.length() == 0 ? "" : "/").append(part);
      } else if (!part.matches("[A-Z]{1,3}:[A-Z]")) {
        return OptionalDouble.empty();
      }
    }
    Map<String, String> m = metrics(base.toString(), V3);
    if (m == null) {
      return OptionalDouble.empty();
    }
    boolean changed = m.get("S").equals("C");
    // §7.4 Table 16, metric values.
    double av = Map.of("N", 0.85, "A", 0.62, "L", 0.55, "P", 0.2).get(m.get("AV"));
    double ac = m.get("AC").equals("L") ? 0.77 : 0.44;
    double pr;
    switch (m.get("PR")) {
      case "N":
        pr = 0.85;
        break;
      case "L":
        pr = changed ? 0.68 : 0.62;
        break;
      default:
        pr = changed ? 0.5 : 0.27;
        break;
    }
    double ui = m.get("UI").equals("N") ? 0.85 : 0.62;
    double c = cia(m.get("C"));
    double i = cia(m.get("I"));
    double a = cia(m.get("A"));
    // §7.1 Base metrics equations.
    double iss = 1 - ((1 - c) * (1 - i) * (1 - a));
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
    double exploitability = 8.22 * av * ac * pr * ui;
    if (impact <= 0) {
      return OptionalDouble.of(0.0);
    }
    double sum = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
    return OptionalDouble.of(roundUp(Math.min(sum, 10)));
  }

  private static double cia(String v) {
    return v.equals("H") ? 0.56 : v.equals("L") ? 0.22 : 0;
  }

  /**
   * Appendix A: the smallest number with one decimal that is at least {@code x}, free of float
   * noise.
   */
  static double roundUp(double x) {
    long scaled = Math.round(x * 100000);
    if (scaled % 10000 == 0) {
      return scaled / 100000.0;
    }
    return (Math.floor(scaled / 10000.0) + 1) / 10.0;
  }

  // --- CVSS v4.0 -----------------------------------------------------------------------------

  private static final Map<String, Set<String>> V4 = v4Metrics();

  private static Map<String, Set<String>> v4Metrics() {
    var m = new HashMap<String, Set<String>>();
    m.put("AV", Set.of("N", "A", "L", "P"));
    m.put("AC", Set.of("L", "H"));
    m.put("AT", Set.of("N", "P"));
    m.put("PR", Set.of("N", "L", "H"));
    m.put("UI", Set.of("N", "P", "A"));
    for (String k : List.of("VC", "VI", "VA", "SC", "SI", "SA")) {
      m.put(k, Set.of("H", "L", "N"));
    }
    return Map.copyOf(m);
  }

  /** The MacroVector scores of §8.2, EQ1..EQ6 digits to score. */
  private static final Map<String, Double> MACRO = loadMacroVectors();

  /** §8.2: the highest-severity vectors of each EQ level ("max composed"), for the distance. */
  private static final List<List<String>> EQ1_MAX =
      List.of(
          List.of("AV:N/PR:N/UI:N"),
          List.of("AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"),
          List.of("AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"));

  private static final List<List<String>> EQ2_MAX =
      List.of(List.of("AC:L/AT:N"), List.of("AC:H/AT:N", "AC:L/AT:P"));

  /** Indexed by EQ3 then EQ6; EQ3 2 with EQ6 0 cannot occur. */
  private static final List<List<List<String>>> EQ3_EQ6_MAX =
      List.of(
          List.of(
              List.of("VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"),
              List.of("VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M")),
          List.of(
              List.of("VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"),
              List.of(
                  "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
                  "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
                  "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
                  "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
                  "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M")),
          List.of(List.of(), List.of("VC:L/VI:L/VA:L/CR:H/IR:H/AR:H")));

  private static final List<String> EQ4_MAX =
      List.of("SC:H/SI:S/SA:S", "SC:H/SI:H/SA:H", "SC:L/SI:L/SA:L");

  /** §8.2: the depth of each MacroVector in steps of 0.1 ("max severity"). */
  private static final int[] EQ1_DEPTH = {1, 4, 5};

  private static final int[] EQ2_DEPTH = {1, 2};
  private static final int[][] EQ3_EQ6_DEPTH = {{7, 6}, {8, 8}, {0, 10}};
  private static final int[] EQ4_DEPTH = {6, 5, 4};

  /** Severity levels of metric values, 0 the most severe, for the distances of §8.2. */
  private static final Map<String, Map<String, Double>> LEVELS =
      Map.ofEntries(
          Map.entry("AV", Map.of("N", 0.0, "A", 0.1, "L", 0.2, "P", 0.3)),
          Map.entry("PR", Map.of("N", 0.0, "L", 0.1, "H", 0.2)),
          Map.entry("UI", Map.of("N", 0.0, "P", 0.1, "A", 0.2)),
          Map.entry("AC", Map.of("L", 0.0, "H", 0.1)),
          Map.entry("AT", Map.of("N", 0.0, "P", 0.1)),
          Map.entry("VC", Map.of("H", 0.0, "L", 0.1, "N", 0.2)),
          Map.entry("VI", Map.of("H", 0.0, "L", 0.1, "N", 0.2)),
          Map.entry("VA", Map.of("H", 0.0, "L", 0.1, "N", 0.2)),
          Map.entry("SC", Map.of("H", 0.1, "L", 0.2, "N", 0.3)),
          Map.entry("SI", Map.of("S", 0.0, "H", 0.1, "L", 0.2, "N", 0.3)),
          Map.entry("SA", Map.of("S", 0.0, "H", 0.1, "L", 0.2, "N", 0.3)),
          Map.entry("CR", Map.of("H", 0.0, "M", 0.1, "L", 0.2)),
          Map.entry("IR", Map.of("H", 0.0, "M", 0.1, "L", 0.2)),
          Map.entry("AR", Map.of("H", 0.0, "M", 0.1, "L", 0.2)));

  private static final List<String> DISTANCE_ORDER =
      List.of("AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR");

  // metrics() returns only maps holding every base metric of the version, and the level tables
  // hold every value those metrics allow: the look-ups below cannot miss (NullAway cannot see it).
  @SuppressWarnings("NullAway")
  private static OptionalDouble v4(String body) {
    Map<String, String> base = metrics(body, V4);
    if (base == null) {
      return OptionalDouble.empty();
    }
    var m = new HashMap<>(base);
    // Base score: threat and environmental metrics "Not Defined", which §7 reads as their
    // worst case: E:A, CR/IR/AR:H.
    m.put("CR", "H");
    m.put("IR", "H");
    m.put("AR", "H");
    if (List.of("VC", "VI", "VA", "SC", "SI", "SA").stream().allMatch(k -> m.get(k).equals("N"))) {
      return OptionalDouble.of(0.0);
    }
    int eq1 = eq1(m);
    int eq2 = m.get("AC").equals("L") && m.get("AT").equals("N") ? 0 : 1;
    boolean vcH = m.get("VC").equals("H");
    boolean viH = m.get("VI").equals("H");
    boolean vaH = m.get("VA").equals("H");
    int eq3 = vcH && viH ? 0 : (vcH || viH || vaH) ? 1 : 2;
    int eq4 = m.get("SC").equals("H") || m.get("SI").equals("H") || m.get("SA").equals("H") ? 1 : 2;
    int eq5 = 0;
    int eq6 = vcH || viH || vaH ? 0 : 1;
    double value = macro(eq1, eq2, eq3, eq4, eq5, eq6);

    // §8.2 step 1a: the score of the next lower MacroVector along each EQ (NaN when none).
    double lower1 = macro(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    double lower2 = macro(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    double lower36;
    if (eq3 == 0 && eq6 == 0) {
      // Two ways down; take the higher. Like the reference calculator, a missing right-hand
      // MacroVector yields no value (comparisons with NaN are false).
      double left = macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
      double right = macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
      lower36 = left > right ? left : right;
    } else if (eq3 == 1 && eq6 == 0) {
      lower36 = macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    } else if (eq6 == 1 && eq3 < 2) {
      lower36 = macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    } else {
      lower36 = Double.NaN;
    }
    double lower4 = macro(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    double lower5 = macro(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    // Step 1b: the distance from the first highest-severity vector of this MacroVector that is
    // at least as severe as the scored one in every metric.
    Map<String, Double> d = null;
    search:
    for (String a : EQ1_MAX.get(eq1)) {
      for (String b : EQ2_MAX.get(eq2)) {
        for (String c : EQ3_EQ6_MAX.get(eq3).get(eq6)) {
          String max = a + "/" + b + "/" + c + "/" + EQ4_MAX.get(eq4);
          // As in the reference calculator, when none qualifies the last one tried is used.
          d = distances(m, max);
          if (d.values().stream().allMatch(x -> x >= 0)) {
            break search;
          }
        }
      }
    }
    double dist1 = d.get("AV") + d.get("PR") + d.get("UI");
    double dist2 = d.get("AC") + d.get("AT");
    double dist36 =
        d.get("VC") + d.get("VI") + d.get("VA") + d.get("CR") + d.get("IR") + d.get("AR");
    double dist4 = d.get("SC") + d.get("SI") + d.get("SA");

    // Steps 1c-1d and 2: each EQ's share of its available distance, averaged over the EQs that
    // have a lower MacroVector.
    double step = 0.1;
    int n = 0;
    double sum = 0;
    if (!Double.isNaN(lower1)) {
      n++;
      sum += (value - lower1) * (dist1 / (EQ1_DEPTH[eq1] * step));
    }
    if (!Double.isNaN(lower2)) {
      n++;
      sum += (value - lower2) * (dist2 / (EQ2_DEPTH[eq2] * step));
    }
    if (!Double.isNaN(lower36)) {
      n++;
      sum += (value - lower36) * (dist36 / (EQ3_EQ6_DEPTH[eq3][eq6] * step));
    }
    if (!Double.isNaN(lower4)) {
      n++;
      sum += (value - lower4) * (dist4 / (EQ4_DEPTH[eq4] * step));
    }
    if (!Double.isNaN(lower5)) {
      // EQ5 (exploit maturity) has depth zero in a base score: it counts, but adds nothing.
      n++;
    }
    double mean = n == 0 ? 0 : sum / n;
    // Step 3: MacroVector score minus the mean distance, within 0-10, to one decimal.
    double score = Math.max(0, Math.min(10, value - mean));
    return OptionalDouble.of(Math.round(score * 10) / 10.0);
  }

  // metrics() returns only maps holding every base metric of the version, and the level tables
  // hold every value those metrics allow: the look-ups below cannot miss (NullAway cannot see it).
  @SuppressWarnings("NullAway")
  private static int eq1(Map<String, String> m) {
    boolean avN = m.get("AV").equals("N");
    boolean prN = m.get("PR").equals("N");
    boolean uiN = m.get("UI").equals("N");
    if (avN && prN && uiN) {
      return 0;
    }
    if ((avN || prN || uiN) && !m.get("AV").equals("P")) {
      return 1;
    }
    return 2;
  }

  // metrics() returns only maps holding every base metric of the version, and the level tables
  // hold every value those metrics allow: the look-ups below cannot miss (NullAway cannot see it).
  @SuppressWarnings("NullAway")
  private static Map<String, Double> distances(Map<String, String> m, String max) {
    var maxValues = new HashMap<String, String>();
    for (String part : max.split("/")) {
      int colon = part.indexOf(':');
      maxValues.put(part.substring(0, colon), part.substring(colon + 1));
    }
    var out = new LinkedHashMap<String, Double>();
    for (String k : DISTANCE_ORDER) {
      Map<String, Double> levels = LEVELS.get(k);
      out.put(k, levels.get(m.get(k)) - levels.get(maxValues.get(k)));
    }
    return out;
  }

  private static double macro(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
    Double v = MACRO.get("" + eq1 + eq2 + eq3 + eq4 + eq5 + eq6);
    return v == null ? Double.NaN : v;
  }

  private static Map<String, Double> loadMacroVectors() {
    var out = new HashMap<String, Double>();
    try (InputStream in = Cvss.class.getResourceAsStream("cvss4-macrovectors.txt")) {
      if (in == null) {
        throw new IllegalStateException("cvss4-macrovectors.txt missing from the class path");
      }
      var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.strip().split("\\s+");
        out.put(f[0], Double.parseDouble(f[1]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.copyOf(out);
  }
}
