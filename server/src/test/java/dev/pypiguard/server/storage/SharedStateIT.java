package dev.pypiguard.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.PublisherMemory;
import dev.pypiguard.policy.attestation.Verification;
import dev.pypiguard.policy.config.PolicyLoader;
import dev.pypiguard.policy.rule.FileFirstSeen;
import dev.pypiguard.server.config.Storage;
import dev.pypiguard.server.policy.VerdictStore;
import dev.pypiguard.testing.S3Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: the records decisions depend on (first sightings, remembered publishers, provenance
 * verdicts), written by two replicas into one bucket of a real S3 API server.
 */
class SharedStateIT {
  @TempDir Path dir;
  S3Server s3;
  S3ObjectStore a;
  S3ObjectStore b;

  @BeforeEach
  void start() {
    s3 = S3Server.start(dir.resolve("s3"));
    a = open();
    b = open();
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    s3.close();
  }

  S3ObjectStore open() {
    return S3ObjectStore.open(
        new Storage.S3(
            Optional.of(s3.endpoint()),
            "us-east-1",
            S3Server.BUCKET,
            "state/",
            true,
            Optional.of(new Storage.Credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY))),
        new SimpleMeterRegistry());
  }

  @Test
  void create_secondWriter_getsTheFirstWritersBytes() throws Exception {
    assertThat(a.create("x/one", "first".getBytes(StandardCharsets.UTF_8)))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("first");
    assertThat(b.create("x/one", "second".getBytes(StandardCharsets.UTF_8)))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("first");
    assertThat(s3.read("state/x/one")).asString(StandardCharsets.UTF_8).isEqualTo("first");
  }

  @Test
  void firstSeen_aSightingThisReplicaRecordedBefore_isKept_notRestartedAtNow() throws Exception {
    Instant earlier = Instant.parse("2026-10-01T00:00:00Z");
    Path file = dir.resolve("moved/first-seen.tsv");
    try (var before = new FileFirstSeen(file)) {
      before.firstSeen("alpha/alpha-1.0.tar.gz", earlier); // seen while on filesystem storage
    }
    try (var shared = new SharedFirstSeen(a, new FileFirstSeen(file));
        var other =
            new SharedFirstSeen(b, new FileFirstSeen(dir.resolve("other/first-seen.tsv")))) {
      assertThat(shared.firstSeen("alpha/alpha-1.0.tar.gz", earlier.plusSeconds(86_400 * 30)))
          .isEqualTo(earlier);
      assertThat(other.firstSeen("alpha/alpha-1.0.tar.gz", Instant.now())).isEqualTo(earlier);
    }
  }

  @Test
  void firstSeen_twoReplicas_answerTheFirstReplicasTime() throws Exception {
    Instant t1 = Instant.parse("2026-11-01T00:00:00Z");
    try (var seenByA = new SharedFirstSeen(a, new FileFirstSeen(dir.resolve("a/first-seen.tsv")));
        var seenByB = new SharedFirstSeen(b, new FileFirstSeen(dir.resolve("b/first-seen.tsv")))) {
      assertThat(seenByA.firstSeen("alpha/alpha-1.0.tar.gz", t1)).isEqualTo(t1);
      assertThat(seenByB.firstSeen("alpha/alpha-1.0.tar.gz", t1.plusSeconds(3600))).isEqualTo(t1);
    }
    // Each replica's own file has the shared time too: it answers alone while the store is away.
    assertThat(Files.readString(dir.resolve("b/first-seen.tsv")))
        .contains("alpha/alpha-1.0.tar.gz\t" + t1.toEpochMilli());
  }

  @Test
  void firstSeen_concurrentFirstSightingsOnTwoReplicas_allAgreeOnOneTime() throws Exception {
    var pool = Executors.newFixedThreadPool(8);
    try (var seenByA = new SharedFirstSeen(a, new FileFirstSeen(dir.resolve("a/first-seen.tsv")));
        var seenByB = new SharedFirstSeen(b, new FileFirstSeen(dir.resolve("b/first-seen.tsv")))) {
      var go = new CountDownLatch(1);
      List<Future<Instant>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        SharedFirstSeen replica = i % 2 == 0 ? seenByA : seenByB;
        Instant mine = Instant.ofEpochSecond(1_800_000_000L + i);
        Callable<Instant> ask =
            () -> {
              go.await();
              return replica.firstSeen("beta/beta-2.0.tar.gz", mine);
            };
        answers.add(pool.submit(ask));
      }
      go.countDown();
      Set<Instant> distinct = ConcurrentHashMap.newKeySet();
      for (Future<Instant> f : answers) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(1);
      String stored =
          new String(
              s3.read("state/" + SharedFirstSeen.objectKey("beta/beta-2.0.tar.gz")),
              StandardCharsets.UTF_8);
      assertThat(stored).endsWith("\t" + distinct.iterator().next().toEpochMilli());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void publishers_recordedByOneReplica_areRememberedByAnother_earliestReleaseWins() {
    var github = new Publisher.GitHub("org/tool", "release.yml", Optional.empty());
    var other = new Publisher.GitHub("someone/fork", "release.yml", Optional.empty());
    PublisherMemory onA =
        PublisherMemory.open(dir.resolve("a/publishers.tsv"), Optional.of(new SharedPublishers(a)));
    PublisherMemory onB =
        PublisherMemory.open(dir.resolve("b/publishers.tsv"), Optional.of(new SharedPublishers(b)));
    onB.record("tool", "2.0", other);
    onA.record("tool", "1.0", github);

    PublisherMemory fresh =
        PublisherMemory.open(dir.resolve("c/publishers.tsv"), Optional.of(new SharedPublishers(b)));
    assertThat(fresh.remembered("tool"))
        .hasValueSatisfying(
            r -> {
              assertThat(r.since()).isEqualTo("1.0");
              assertThat(r.key()).isEqualTo(PublisherMemory.key(github));
            });
    assertThat(s3.keys("state/publishers/tool/"))
        .containsExactly("state/publishers/tool/1.0", "state/publishers/tool/2.0");
  }

  @Test
  void verdicts_verifiedByOneReplica_areReadByAnotherWithoutVerifyingAgain() throws Exception {
    Path fixtures = dev.pypiguard.policy.testing.Fixtures.directory("attestations");
    String sdist = "pypi_attestations-0.0.19.tar.gz";
    String sha = Sha256.of(Files.readAllBytes(fixtures.resolve(sdist))).hex();
    String json = Files.readString(fixtures.resolve(sdist + ".provenance"), StandardCharsets.UTF_8);
    var policy = PolicyLoader.parse("policies.yaml", "attestations: {verify: true}\n");
    try (var onA = new VerdictStore(dir.resolve("a"), 2, Optional.of(a), Optional.empty())) {
      onA.rules(policy);
      onA.ensure(
              new Sha256(sha),
              sdist,
              () -> Optional.of(new VerdictStore.UpstreamProvenance.Document(json)))
          .get();
    }
    try (var onB = new VerdictStore(dir.resolve("b"), 2, Optional.of(b), Optional.empty())) {
      onB.rules(policy);
      onB.ensure(
              new Sha256(sha),
              sdist,
              () -> {
                throw new AssertionError("replica B must not fetch what A verified");
              })
          .get();
      assertThat(onB.verdict(new Sha256(sha)))
          .hasValueSatisfying(v -> assertThat(v).isInstanceOf(Verification.Verified.class));
    }
  }

  /** Issue 13: a name one replica pinned is a swap on another replica that sees other bytes. */
  @Test
  void knownFiles_aNamePinnedByOneReplica_isASwapOnAnotherThatSeesOtherBytes() throws Exception {
    String h1 = "a".repeat(64);
    String h2 = "b".repeat(64);
    try (var one =
            new SharedKnownFiles(
                a,
                new dev.pypiguard.policy.rule.FileKnownFiles(dir.resolve("one/known-files.tsv")),
                Runnable::run);
        var two =
            new SharedKnownFiles(
                b,
                new dev.pypiguard.policy.rule.FileKnownFiles(dir.resolve("two/known-files.tsv")),
                Runnable::run)) {
      assertThat(one.pin("alpha", "alpha-1.0.tar.gz", h1)).isEqualTo(h1);
      assertThat(s3.keys("state/known-files/alpha/"))
          .containsExactly("state/known-files/alpha/alpha-1.0.tar.gz/" + h1);
      assertThat(two.pin("alpha", "alpha-1.0.tar.gz", h2))
          .as("the other replica saw it first")
          .isEqualTo(h1);
      assertThat(two.pinned("alpha-1.0.tar.gz")).contains(h1);
      assertThat(two.pin("alpha", "alpha-1.0.tar.gz", h1)).isEqualTo(h1);
    }
  }
}
