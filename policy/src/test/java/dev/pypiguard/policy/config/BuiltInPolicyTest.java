package dev.pypiguard.policy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.YamlDocument;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.advisory.OnUnavailable;
import dev.pypiguard.policy.advisory.Severity;
import dev.pypiguard.policy.inspection.Action;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in policy (issue 18), and policies.example.yaml as that policy plus company parts. */
class BuiltInPolicyTest {
  /** What the example writes beside a key whose value it changes on purpose. */
  static final String DIFFERS = "differs from the built-in policy";

  @Test
  void policy_isTheDefencesThatNeedNoSiteData() {
    Policy p = BuiltInPolicy.policy();
    assertThat(p.mode()).isEqualTo(Policy.Mode.ENFORCE);
    assertThat(p.releaseAge().minimum()).isEqualTo(Duration.ofDays(7));
    assertThat(p.releaseAge().unknown()).isEqualTo(Policy.UnknownUploadTime.FIRST_SEEN);
    assertThat(p.releaseAge().exempt()).isEmpty();
    assertThat(p.advisories().vulnerable()).isTrue();
    assertThat(p.advisories().minSeverity()).isEqualTo(Severity.HIGH);
    assertThat(p.attestations().verify()).isTrue();
    assertThat(p.attestations().publisherChange()).isTrue();
    assertThat(p.attestations().require()).isEmpty();
    assertThat(p.files().yanked()).isEqualTo(Policy.YankedFiles.KEEP);
    assertThat(p.files().weakHashes()).isEqualTo(Policy.WeakHashes.BLOCK);
    assertThat(p.advisories().onUnavailable()).isEqualTo(OnUnavailable.HOLD);
    // Names need no site data either (issue 17). Inspection stays opt-in: it stores a cold file
    // whole before its first byte, which a large download over a slow link would feel.
    assertThat(p.inspection().active()).isFalse();
    assertThat(p.lookalikes().action()).isEqualTo(Action.HOLD);
    // Nothing site-specific: no project or version lists, no exceptions.
    assertThat(p.projects()).isEqualTo(Policy.Projects.NONE);
    assertThat(p.versions()).isEqualTo(Policy.Versions.NONE);
    assertThat(p.exceptions()).isEmpty();
    assertThat(p.digest()).isNotEqualTo(Policy.DEFAULTS.digest());
  }

  @Test
  void yaml_parsesToThePolicy() {
    assertThat(PolicyLoader.parse("printed", BuiltInPolicy.yaml()))
        .isEqualTo(BuiltInPolicy.policy());
  }

  @Test
  void example_hasEveryKeyOfTheBuiltInPolicyWithItsValue() throws Exception {
    String example =
        Files.readString(
            dev.pypiguard.policy.testing.Fixtures.file("shipped/policies.example.yaml"));
    Map<String, String> builtIn =
        leaves(YamlDocument.parse("built-in", BuiltInPolicy.yaml()).root());
    Map<String, String> ours = leaves(YamlDocument.parse("example", example).root());
    assertThat(builtIn)
        .containsKeys("release-age.minimum", "advisories.min-severity", "attestations.verify");
    var problems = new ArrayList<String>();
    builtIn.forEach(
        (key, value) -> {
          if (!ours.containsKey(key)) {
            problems.add(key + ": missing from policies.example.yaml (built-in: " + value + ")");
          } else if (!ours.get(key).equals(value) && !documentsDifference(example, key)) {
            problems.add(
                key
                    + ": "
                    + ours.get(key)
                    + " in policies.example.yaml, "
                    + value
                    + " built in, and no comment above it says it \""
                    + DIFFERS
                    + "\"");
          }
        });
    assertThat(problems).isEmpty();
  }

  @Test
  void documentsDifference_needsTheMarkerInTheCommentAboveTheKey() {
    String doc =
        """
        advisories:
          # medium: we want more (differs from the built-in policy)
          min-severity: medium
          vulnerable: block
        """;
    assertThat(documentsDifference(doc, "advisories.min-severity")).isTrue();
    assertThat(documentsDifference(doc, "advisories.vulnerable")).isFalse();
  }

  /** Every scalar under a mapping, by dotted key path. */
  private static Map<String, String> leaves(JsonNode root) {
    var out = new LinkedHashMap<String, String>();
    walk("", root, out);
    return out;
  }

  private static void walk(String path, JsonNode n, Map<String, String> out) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> walk(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out));
    } else {
      out.put(path, n.toString());
    }
  }

  /**
   * Whether the comment lines right above {@code key}'s line in {@code yaml} carry {@link
   * #DIFFERS}.
   */
  static boolean documentsDifference(String yaml, String key) {
    String[] parts = key.split("\\.");
    List<String> lines = yaml.lines().toList();
    int depth = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String indent = "  ".repeat(depth);
      if (line.startsWith(indent + parts[depth] + ":")) {
        if (depth == parts.length - 1) {
          for (int j = i - 1; j >= 0 && lines.get(j).strip().startsWith("#"); j--) {
            if (lines.get(j).contains(DIFFERS)) {
              return true;
            }
          }
          return false;
        }
        depth++;
      }
    }
    return false;
  }
}
