package dev.pypiguard.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.policy.attestation.EmailIdentity;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.Verification;
import dev.pypiguard.policy.config.PolicyLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VerdictStore}: verdicts verified once, persisted, and read back by a new store. */
class VerdictStoreTest {
  static final Path FIXTURES = dev.pypiguard.policy.testing.Fixtures.directory("attestations");
  static final String SDIST = "pypi_attestations-0.0.19.tar.gz";

  @Test
  void json_everyOutcome_roundTrips() {
    List<Verification> all =
        List.of(
            new Verification.Failed("signature does not verify"),
            new Verification.Unverified("unknown publisher kind ActiveState"),
            new Verification.Verified(
                new Publisher.GitHub("o/r", "release.yml", Optional.of("pypi")),
                List.of("https://docs.pypi.org/attestations/publish/v1"),
                Instant.parse("2024-12-04T23:14:01Z")),
            new Verification.Verified(
                new Publisher.GitLab("g/t", ".gitlab-ci.yml", Optional.empty()),
                List.of(),
                Instant.EPOCH),
            new Verification.Verified(
                new Publisher.Google("sa@p.iam.gserviceaccount.com"), List.of(), Instant.EPOCH),
            new Verification.Verified(
                new EmailIdentity("a@b.c", "https://accounts.google.com"),
                List.of(),
                Instant.EPOCH));
    for (Verification v : all) {
      assertThat(VerdictStore.toJson(v).flatMap(VerdictStore::fromJson)).contains(v);
    }
  }

  @Test
  void ensure_realProvenance_verifiedOnceAndReadBackByANewStore(@TempDir Path cache)
      throws Exception {
    String sha =
        dev.pypiguard.core.blob.Sha256.of(Files.readAllBytes(FIXTURES.resolve(SDIST))).hex();
    String json = Files.readString(FIXTURES.resolve(SDIST + ".provenance"), StandardCharsets.UTF_8);
    var policy = PolicyLoader.parse("policies.yaml", "attestations: {verify: true}\n");
    var fetched = new AtomicInteger();
    try (var store = new VerdictStore(cache, 2)) {
      store.rules(policy);
      assertThat(store.verdict(new dev.pypiguard.core.blob.Sha256(sha))).isEmpty();
      String before = store.generation();
      store
          .ensure(
              new dev.pypiguard.core.blob.Sha256(sha),
              SDIST,
              () -> {
                fetched.incrementAndGet();
                return Optional.of(new VerdictStore.UpstreamProvenance.Document(json));
              })
          .get();
      assertThat(store.verdict(new dev.pypiguard.core.blob.Sha256(sha)))
          .hasValueSatisfying(v -> assertThat(v).isInstanceOf(Verification.Verified.class));
      assertThat(store.generation()).isNotEqualTo(before);
    }
    try (var again = new VerdictStore(cache, 2)) {
      again.rules(policy);
      again
          .ensure(
              new dev.pypiguard.core.blob.Sha256(sha),
              SDIST,
              () -> {
                fetched.incrementAndGet();
                return Optional.empty();
              })
          .get();
      assertThat(
              again
                  .verdict(new dev.pypiguard.core.blob.Sha256(sha))
                  .map(v -> ((Verification.Verified) v).identity().display()))
          .contains("trailofbits/pypi-attestations@release.yml");
    }
    assertThat(fetched).hasValue(1);
  }

  /**
   * Issue 13: a provenance fetch that has not answered yet occupies no pool thread; with a pool of
   * one, a second file is verified while the first still waits, then the first completes.
   */
  @Test
  void ensureAsync_pendingFetchParksNoPoolThread(@TempDir Path cache) throws Exception {
    var policy = PolicyLoader.parse("policies.yaml", "attestations: {verify: true}\n");
    var slow =
        new java.util.concurrent.CompletableFuture<Optional<VerdictStore.UpstreamProvenance>>();
    String a = "a".repeat(64);
    String b = "b".repeat(64);
    try (var store = new VerdictStore(cache, 1)) {
      store.rules(policy);
      var first =
          store.ensureAsync(new dev.pypiguard.core.blob.Sha256(a), "a-1.0.tar.gz", () -> slow);
      store
          .ensureAsync(
              new dev.pypiguard.core.blob.Sha256(b),
              "b-1.0.tar.gz",
              () ->
                  java.util.concurrent.CompletableFuture.completedFuture(
                      Optional.of(new VerdictStore.UpstreamProvenance.Missing("none upstream"))))
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(store.verdict(new dev.pypiguard.core.blob.Sha256(b)))
          .hasValueSatisfying(v -> assertThat(v).isInstanceOf(Verification.Unverified.class));
      assertThat(first).isNotDone();
      assertThat(
              store.ensureAsync(
                  new dev.pypiguard.core.blob.Sha256(a),
                  "a-1.0.tar.gz",
                  () -> {
                    throw new AssertionError("a second fetch while one is in flight");
                  }))
          .isSameAs(first);
      slow.complete(Optional.of(new VerdictStore.UpstreamProvenance.Missing("none upstream")));
      first.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(store.verdict(new dev.pypiguard.core.blob.Sha256(a))).isPresent();
    }
  }
}
