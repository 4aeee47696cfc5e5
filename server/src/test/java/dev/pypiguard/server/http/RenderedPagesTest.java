package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.core.simple.Yanked;
import dev.pypiguard.policy.JudgedPage;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.rule.InMemoryFirstSeen;
import dev.pypiguard.policy.rule.PolicyJudge;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a cooldown that ends at T re-renders the page at T (the rendering carries its
 * judgement's next change), not once a minute and not per request.
 */
class RenderedPagesTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    volatile Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static FileEntry file(String name, Instant uploaded) {
    return new FileEntry(
        name,
        "https://files.invalid/" + name,
        Map.of("sha256", "ab".repeat(32)),
        Optional.empty(),
        Yanked.NO,
        OptionalLong.of(1000),
        Optional.of(uploaded.toString()),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  @Test
  void cooldownEndingAtT_absentJustBefore_presentJustAfter_oneRenderingInBetween() {
    var clock = new MovableClock();
    var judge =
        new PolicyJudge(
            PolicyLoader.parse("test.yaml", "release-age: {minimum: 7d}\n"),
            clock,
            new InMemoryFirstSeen());
    Instant uploaded = NOW.minus(Duration.ofDays(6));
    Instant t = uploaded.plus(Duration.ofDays(7));
    var page =
        new ProjectPage(
            "alpha",
            "1.1",
            Map.of(),
            List.of(
                file("alpha-1.0.tar.gz", NOW.minus(Duration.ofDays(30))),
                file("alpha-2.0.tar.gz", uploaded)),
            Optional.empty(),
            Optional.empty(),
            Map.of());
    var pages = new RenderedPages(sha -> Optional.empty(), GeneratedMetadata.none(), clock);
    var renders = new AtomicInteger();
    java.util.function.Supplier<RenderedPages.Rendered> serve =
        () ->
            pages
                .cached(
                    "pypi", "alpha", "p1", judge.version(), SimpleFormat.JSON_V1, "http://proxy")
                .orElseGet(
                    () ->
                        pages.project(
                            "pypi",
                            "alpha",
                            "p1",
                            judge.version(),
                            SimpleFormat.JSON_V1,
                            "http://proxy",
                            judge.blockedFiles(),
                            () -> {
                              renders.incrementAndGet();
                              JudgedPage judged = judge.judge("pypi", page);
                              return judged;
                            }));

    RenderedPages.Rendered before = serve.get();
    assertThat(body(before))
        .contains("alpha-1.0.tar.gz")
        .doesNotContain("/files/alpha/alpha-2.0.tar.gz");
    // Hours, then a millisecond before T: the same rendering, no judging again (not once a minute).
    for (Instant at :
        List.of(NOW.plusSeconds(61), NOW.plus(Duration.ofHours(23)), t.minusMillis(1))) {
      clock.now = at;
      assertThat(serve.get()).isSameAs(before);
    }
    assertThat(renders).hasValue(1);

    clock.now = t;
    assertThat(
            pages.cached(
                "pypi", "alpha", "p1", judge.version(), SimpleFormat.JSON_V1, "http://proxy"))
        .as("the fast path lets the ordinary path render at T")
        .isEmpty();
    RenderedPages.Rendered after = serve.get();
    assertThat(body(after)).contains("/files/alpha/alpha-2.0.tar.gz");
    assertThat(after.etag()).isNotEqualTo(before.etag());
    clock.now = t.plusMillis(1);
    assertThat(serve.get()).isSameAs(after);
    clock.now = t.plus(Duration.ofDays(365));
    assertThat(serve.get()).isSameAs(after);
    assertThat(renders).hasValue(2);
  }

  private static String body(RenderedPages.Rendered r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
