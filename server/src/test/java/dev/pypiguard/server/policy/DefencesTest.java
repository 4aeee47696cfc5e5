package dev.pypiguard.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.config.BuiltInPolicy;
import dev.pypiguard.policy.config.PolicyLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each defence on, off or broken (issue 18). */
class DefencesTest {
  static Map<String, Defences.Defence> byName(Policy p, Optional<AdvisoryFeed> feed) {
    List<Defences.Defence> all = Defences.of(p, feed);
    assertThat(all).extracting(Defences.Defence::name).containsExactlyElementsOf(Defences.NAMES);
    return all.stream().collect(Collectors.toMap(Defences.Defence::name, Function.identity()));
  }

  @Test
  void builtInPolicy_withTheBundledSnapshotOnly_vulnerableIsBroken() {
    try (AdvisoryFeed feed = AdvisoryFeed.open(List.of("bundled"), Duration.ZERO).orElseThrow()) {
      var d = byName(BuiltInPolicy.policy(), Optional.of(feed));
      assertThat(d.get("mode").state()).isEqualTo(Defences.State.ON);
      assertThat(d.get("release-age").state()).isEqualTo(Defences.State.ON);
      assertThat(d.get("advisories.malicious").state()).isEqualTo(Defences.State.ON);
      assertThat(d.get("advisories.malicious").detail()).contains("as of 2026-09-04");
      assertThat(d.get("advisories.vulnerable").state()).isEqualTo(Defences.State.BROKEN);
      assertThat(d.get("advisories.vulnerable").remedy())
          .hasValueSatisfying(r -> assertThat(r).contains("osv-api"));
      assertThat(d.get("attestations.verify").state()).isEqualTo(Defences.State.ON);
      assertThat(d.get("attestations.publisher-change").state()).isEqualTo(Defences.State.ON);
      assertThat(d.get("projects").state()).isEqualTo(Defences.State.OFF);
    }
  }

  @Test
  void onlineSource_unreachableWithoutFileData_isBroken_reachable_isOn() throws Exception {
    int closed;
    try (var s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (AdvisoryFeed feed =
        AdvisoryFeed.open(List.of("osv-api:http://127.0.0.1:" + closed), Duration.ZERO)
            .orElseThrow()) {
      // Not asked yet: counts as answering.
      assertThat(byName(BuiltInPolicy.policy(), Optional.of(feed)).get("advisories.vulnerable"))
          .satisfies(d -> assertThat(d.state()).isEqualTo(Defences.State.ON))
          .satisfies(d -> assertThat(d.detail()).contains("(not asked yet)"));
      // /healthz does not call an API reachable before it has answered once.
      assertThat(feed.health())
          .anySatisfy(l -> assertThat(l).startsWith("osv-api ").endsWith(": not asked yet"));
      feed.prefetch(
          dev.pypiguard.core.project.ProjectName.parse("x").orElseThrow(),
          List.of("1.0"),
          Duration.ofSeconds(10));
      var d = byName(BuiltInPolicy.policy(), Optional.of(feed));
      assertThat(feed.health())
          .anySatisfy(l -> assertThat(l).startsWith("osv-api ").contains(": unreachable"));
      assertThat(d.get("advisories.vulnerable").state()).isEqualTo(Defences.State.BROKEN);
      assertThat(d.get("advisories.malicious").state()).isEqualTo(Defences.State.BROKEN);
      assertThat(d.get("advisories.malicious").detail()).contains("UNREACHABLE");
    }
  }

  @Test
  void noAdvisoryData_maliciousIsBroken_neverOn() {
    var d = byName(BuiltInPolicy.policy(), Optional.empty());
    assertThat(d.get("advisories.malicious").state()).isEqualTo(Defences.State.BROKEN);
    assertThat(d.get("advisories.malicious").toString())
        .startsWith("advisories.malicious: BROKEN (");
  }

  @Test
  void emptyPolicyFile_turnsDefencesOff_sayingWhatTurnsThemOn() {
    var d = byName(Policy.DEFAULTS, Optional.empty());
    assertThat(d.get("release-age").toString())
        .isEqualTo(
            "release-age: off (new uploads are served at once; turn on: release-age: {minimum: 7d})");
    assertThat(d.get("advisories.vulnerable").state()).isEqualTo(Defences.State.OFF);
    assertThat(d.get("attestations.verify").remedy()).hasValue("attestations: {verify: true}");
    assertThat(d.get("hashes").state()).isEqualTo(Defences.State.ON);
    var audit =
        byName(
            PolicyLoader.parse(
                "p", "mode: audit\nfiles: {sdists: block}\nprojects: {deny: [evil]}\n"),
            Optional.empty());
    assertThat(audit.get("mode").state()).isEqualTo(Defences.State.OFF);
    assertThat(audit.get("files.sdists").state()).isEqualTo(Defences.State.ON);
    assertThat(audit.get("projects").detail()).isEqualTo("1 denied glob(s)");
  }
}
