package dev.pypiguard.policy.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.MetadataRef;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.config.PolicyLoader;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Issue 13: the {@code metadata} rule on {@code Requires-Dist: name @ URL}. */
class MetadataRuleTest {
  static final String META_SHA = "cd".repeat(32);
  static final String BAD =
      """
      Metadata-Version: 2.1
      Name: lib
      Version: 1.0
      Requires-Dist: requests>=2
      Requires-Dist: evil @ https://evil.example/evil-1.0.tar.gz ; python_version >= "3"
      Requires-Dist: other[x]@git+https://git.example/other.git

      Requires-Dist: not-a-header @ https://description.example/
      """;

  @Test
  void directUrlRequirements_namesOnlyHeaderUrlForms() {
    assertThat(MetadataRule.directUrlRequirements(BAD))
        .containsExactly(
            "evil @ https://evil.example/evil-1.0.tar.gz ; python_version >= \"3\"",
            "other[x]@git+https://git.example/other.git");
    assertThat(MetadataRule.directUrlRequirements("Requires-Dist: a (>=1) ; extra == \"b@c\"\n"))
        .isEmpty();
  }

  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

  static Decision judge(String yaml, Optional<String> stored) {
    return judge(yaml, stored, Optional.empty());
  }

  static Decision judge(
      String yaml, Optional<String> stored, Optional<MetadataRule.Unreadable> unreadable) {
    return judge(yaml, stored, unreadable, false);
  }

  static Decision judge(
      String yaml,
      Optional<String> stored,
      Optional<MetadataRule.Unreadable> unreadable,
      boolean tooLong) {
    Policy p = PolicyLoader.parse("p.yaml", yaml);
    MetadataRule.Source source =
        new MetadataRule.Source() {
          @Override
          public Optional<String> text(String sha) {
            return sha.equals(META_SHA) ? stored : Optional.empty();
          }

          @Override
          public String generation() {
            return "1";
          }

          @Override
          public Optional<MetadataRule.Unreadable> unreadable(String key) {
            return key.equals(META_SHA) ? unreadable : Optional.empty();
          }

          @Override
          public Optional<String> whyUnreadable(String sha) {
            return sha.equals(META_SHA) && stored.isEmpty() && tooLong
                ? Optional.of("its header section is longer than 8 MiB")
                : Optional.empty();
          }
        };
    FileEntry f =
        new FileEntry(
            "lib-1.0-py3-none-any.whl",
            "https://files.example/lib-1.0-py3-none-any.whl",
            Map.of("sha256", "ab".repeat(32)),
            Optional.empty(),
            Yanked.NO,
            OptionalLong.empty(),
            Optional.empty(),
            Optional.of(new MetadataRef(Map.of("sha256", META_SHA))),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Map.of());
    var judge =
        new PolicyJudge(
            p,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new InMemoryFirstSeen(),
            List.of(new MetadataRule(p.metadata(), source)));
    return judge
        .judge(
            "pypi",
            new ProjectPage(
                "lib", "1.1", Map.of(), List.of(f), Optional.empty(), Optional.empty(), Map.of()))
        .files()
        .get(0)
        .decision();
  }

  @Test
  void judge_directUrlDependency_blockedUnlessTheProjectIsAllowed() {
    Decision d = judge("", Optional.of(BAD));
    assertThat(d.allowed()).isFalse();
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("metadata");
    assertThat(d.reasons().get(0).message())
        .startsWith("core metadata requires evil @ https://evil.example/");
    assertThat(judge("metadata: {allow-direct-urls: [\"li*\"]}\n", Optional.of(BAD)).allowed())
        .isTrue();
    assertThat(judge("", Optional.of("Name: lib\nRequires-Dist: requests\n")).allowed()).isTrue();
    assertThat(judge("", Optional.empty()).allowed())
        .as("not fetched yet: judged without it")
        .isTrue();
  }

  @Test
  void judge_unreadableMetadata_holdsUntilTheNextAttempt() {
    var until = NOW.plusSeconds(30);
    var unreadable =
        Optional.of(new MetadataRule.Unreadable("core metadata could not be read: 502", until));
    Decision d = judge("", Optional.empty(), unreadable);
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(((Decision.Block) d).held()).isTrue();
    assertThat(d.reasons()).extracting(Reason::rule).containsExactly("metadata");
    assertThat(d.reasons().get(0).message()).startsWith("core metadata could not be read: 502");
    assertThat(d.reasons().get(0).lifts()).contains(until);
    assertThat(judge("", Optional.of("Name: lib\n"), unreadable).allowed())
        .as("read since: its text decides")
        .isTrue();
    assertThat(
            judge(
                    "",
                    Optional.empty(),
                    Optional.of(new MetadataRule.Unreadable("old", NOW.minusSeconds(1))))
                .allowed())
        .as("lapsed: a page lists it again")
        .isTrue();
    assertThat(
            judge("metadata: {allow-direct-urls: [lib]}\n", Optional.empty(), unreadable).allowed())
        .as("the rule does not apply to the project")
        .isTrue();
    Decision audit = judge("mode: audit\n", Optional.empty(), unreadable);
    assertThat(audit.allowed()).as("audit mode reports it").isTrue();
    assertThat(audit.reasons()).extracting(Reason::rule).containsExactly("metadata");
  }

  @Test
  void judge_storedMetadataTooLongToRead_isBlocked() {
    Decision d = judge("", Optional.empty(), Optional.empty(), true);
    assertThat(d).isInstanceOf(Decision.Block.class);
    assertThat(((Decision.Block) d).held()).isFalse();
    assertThat(d.reasons().get(0).message())
        .isEqualTo(
            "core metadata cannot be read (its header section is longer than 8 MiB): it may"
                + " require a URL pip would fetch around the proxy");
    assertThat(
            judge(
                    "metadata: {allow-direct-urls: [lib]}\n",
                    Optional.empty(),
                    Optional.empty(),
                    true)
                .allowed())
        .isTrue();
  }
}
