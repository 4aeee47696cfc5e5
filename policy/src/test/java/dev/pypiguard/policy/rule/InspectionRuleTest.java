package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.inspection.Finding;
import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.Inspector;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issue 17: findings become blocks, holds, warnings or nothing, decided at serve time. */
class InspectionRuleTest {
  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  /** Inspections and reviews held in maps. */
  static final class MapInspections implements Inspections {
    final Map<String, Inspection> inspections = new HashMap<>();
    final Map<String, String> reviews = new HashMap<>();
    final AtomicInteger gen = new AtomicInteger();

    MapInspections put(char sha, Inspection i) {
      inspections.put(sha(sha), i);
      gen.incrementAndGet();
      return this;
    }

    @Override
    public Optional<Inspection> inspection(dev.pypiguard.core.blob.Sha256 sha256) {
      return Optional.ofNullable(inspections.get(sha256.hex()));
    }

    @Override
    public Optional<String> review(dev.pypiguard.core.blob.Sha256 sha256) {
      return Optional.ofNullable(reviews.get(sha256.hex()));
    }

    @Override
    public String generation() {
      return String.valueOf(gen.get());
    }
  }

  static String sha(char c) {
    return String.valueOf(c).repeat(64);
  }

  static FileEntry file(String filename, char sha) {
    return new FileEntry(
        filename,
        "https://files.example/" + filename,
        Map.of("sha256", sha(sha)),
        Optional.empty(),
        Yanked.NO,
        OptionalLong.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  static ProjectPage page(String project, FileEntry... files) {
    return new ProjectPage(
        project, "1.1", Map.of(), List.of(files), Optional.empty(), Optional.empty(), Map.of());
  }

  static Inspection wheel(
      String name,
      String version,
      boolean hook,
      boolean nativeCode,
      List<Finding> findings,
      List<Inspection.Command> commands) {
    return new Inspection(
        Inspector.VERSION,
        Inspection.Kind.WHEEL,
        Optional.of(name),
        Optional.of(version),
        hook,
        nativeCode,
        findings,
        commands);
  }

  static Inspection clean(String name, String version) {
    return wheel(name, version, false, false, List.of(), List.of());
  }

  static List<Decision> decide(String yaml, Inspections store, ProjectPage page) {
    Policy p = PolicyLoader.parse("policies.yaml", yaml);
    var judge =
        new PolicyJudge(
            p,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new InMemoryFirstSeen(),
            List.of(new InspectionRule(p.inspection(), store)));
    return judge.judge("pypi", page).files().stream().map(FileDecision::decision).toList();
  }

  static final Finding PTH_EXEC =
      new Finding("pth-exec", Finding.Severity.HIGH, "x.pth", "line 1 uses b64decode");
  static final Finding NATIVE =
      new Finding("native-in-pure", Finding.Severity.MEDIUM, "demo/x", "an ELF binary");

  @Test
  void highFinding_byDefault_blocksNamingRuleAndPath() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", true, false, List.of(PTH_EXEC), List.of()));
    var d = decide("inspection: {}\n", store, page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(d.get(0)).isInstanceOf(Decision.Block.class);
    assertThat(d.get(0).reasons())
        .containsExactly(new Reason("pth-exec", "x.pth: line 1 uses b64decode"));
  }

  @Test
  void mediumFinding_byDefault_warnsAndAllows() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", false, true, List.of(NATIVE), List.of()));
    var d = decide("inspection: {}\n", store, page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(d.get(0).allowed()).isTrue();
    assertThat(d.get(0).reasons()).extracting(Reason::rule).containsExactly("native-in-pure");
  }

  @Test
  void ruleSetToOffOrBlock_isObeyed() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", true, true, List.of(PTH_EXEC, NATIVE), List.of()));
    var d =
        decide(
            "inspection:\n  rules: {pth-exec: off, native-in-pure: block}\n",
            store,
            page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(d.get(0).reasons()).extracting(Reason::rule).containsExactly("native-in-pure");
    assertThat(d.get(0).allowed()).isFalse();
  }

  @Test
  void withoutSection_orNotInspectedYet_nothingHappens() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", true, false, List.of(PTH_EXEC), List.of()));
    assertThat(
            decide("mode: enforce\n", store, page("demo", file("demo-1.0-py3-none-any.whl", 'a'))))
        .containsExactly(Decision.ALLOW);
    assertThat(
            decide("inspection: {}\n", store, page("demo", file("demo-1.0-py3-none-any.whl", 'b'))))
        .containsExactly(Decision.ALLOW);
  }

  @Test
  void hold_blocksUntilReviewed_thenAllowsWithNote() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", true, false, List.of(PTH_EXEC), List.of()));
    String yaml = "inspection:\n  rules: {pth-exec: hold}\n";
    var held = decide(yaml, store, page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(held.get(0).allowed()).isFalse();
    assertThat(held.get(0).reasons().get(0).message())
        .contains("held for review", "/-/admin/held/" + sha('a') + "/clear");
    store.reviews.put(sha('a'), "looked at it (ops)");
    store.gen.incrementAndGet();
    var cleared = decide(yaml, store, page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(cleared.get(0).allowed()).isTrue();
    assertThat(cleared.get(0).reasons().get(0).message())
        .contains("cleared by review: looked at it (ops)");
  }

  @Test
  void exception_liftsAnInspectionBlock() {
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", true, false, List.of(PTH_EXEC), List.of()));
    var d =
        decide(
            "inspection: {}\nexceptions:\n  - {project: demo, versions: \"==1.0\", until: 2027-01-01, sha256: ["
                + sha('a')
                + "], reason: T-1}\n",
            store,
            page("demo", file("demo-1.0-py3-none-any.whl", 'a')));
    assertThat(d.get(0).allowed()).isTrue();
    assertThat(d.get(0).reasons())
        .extracting(Reason::rule)
        .containsExactly("exception", "pth-exec");
  }

  @Test
  void metadataNameOrVersionOfAnotherRelease_blocks() {
    var store =
        new MapInspections()
            .put('a', clean("requests", "1.0"))
            .put('b', clean("demo", "9.9"))
            .put('c', clean("Demo", "1.0.0"));
    var d =
        decide(
            "inspection: {}\n",
            store,
            page(
                "demo",
                file("demo-1.0-py3-none-any.whl", 'a'),
                file("demo-1.1-py3-none-any.whl", 'b'),
                file("demo-1.0.0-py3-none-any.whl", 'c')));
    assertThat(d.get(0).reasons()).extracting(Reason::rule).containsExactly("name-mismatch");
    assertThat(d.get(0).reasons().get(0).message()).contains("\"requests\"");
    assertThat(d.get(1).reasons()).extracting(Reason::rule).containsExactly("version-mismatch");
    // Demo normalizes to demo, and 1.0.0 is 1.0: no finding.
    assertThat(d.get(2)).isEqualTo(Decision.ALLOW);
  }

  @Test
  void commandNamedPip_blocksExceptInPipItself() {
    var cmds = List.of(new Inspection.Command("x.dist-info/entry_points.txt", "pip"));
    var store =
        new MapInspections()
            .put('a', wheel("demo", "1.0", false, false, List.of(), cmds))
            .put('b', wheel("pip", "26.0", false, false, List.of(), cmds));
    assertThat(
            decide("inspection: {}\n", store, page("demo", file("demo-1.0-py3-none-any.whl", 'a')))
                .get(0)
                .reasons())
        .extracting(Reason::rule)
        .containsExactly("entry-point-shadow");
    assertThat(
            decide("inspection: {}\n", store, page("pip", file("pip-26.0-py3-none-any.whl", 'b'))))
        .containsExactly(Decision.ALLOW);
  }

  @Test
  void releaseAddingInstallHookOrNativeCode_isFoundAgainstThePreviousRelease() {
    var store =
        new MapInspections()
            .put('a', clean("demo", "1.0"))
            .put('b', wheel("demo", "1.1", true, true, List.of(), List.of()))
            .put('c', wheel("demo", "1.2", true, true, List.of(), List.of()));
    var d =
        decide(
            "inspection:\n  rules: {new-install-hook: block}\n",
            store,
            page(
                "demo",
                file("demo-1.2-py3-none-any.whl", 'c'),
                file("demo-1.0-py3-none-any.whl", 'a'),
                file("demo-1.1-py3-none-any.whl", 'b')));
    // 1.2 is like 1.1; 1.1 added both over 1.0.
    assertThat(d.get(0)).isEqualTo(Decision.ALLOW);
    assertThat(d.get(1)).isEqualTo(Decision.ALLOW);
    assertThat(d.get(2).allowed()).isFalse();
    // new-native-code warns, and a block's reasons say only why it is blocked.
    assertThat(d.get(2).reasons()).extracting(Reason::rule).containsExactly("new-install-hook");
    assertThat(d.get(2).reasons().get(0).message()).contains("previous release 1.0");
  }

  @Test
  void policyFile_unknownCheckOrAction_isRefusedWithItsKey() {
    assertThatThrownBy(
            () -> PolicyLoader.parse("p.yaml", "inspection:\n  rules: {pth-eval: block}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("inspection.rules.pth-eval")
        .hasMessageContaining("pth-exec");
    assertThatThrownBy(
            () -> PolicyLoader.parse("p.yaml", "inspection:\n  rules: {pth-exec: deny}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("block | hold | warn | off");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "lookalikes: {action: maybe}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lookalikes.action");
  }
}
