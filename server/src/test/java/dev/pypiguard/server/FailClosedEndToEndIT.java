package dev.pypiguard.server;

import static dev.pypiguard.server.Agreement.assertAgree;
import static dev.pypiguard.server.Agreement.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.server.config.ServerConfig;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TamperingUpstream;
import dev.pypiguard.testing.TamperingUpstream.Entry;
import dev.pypiguard.testing.TestSigstore;
import dev.pypiguard.testing.WheelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, end to end: each bypass class of "What must be blocked" tried through the server in
 * front of a {@link TamperingUpstream}, with real pip where pip is the victim, and {@link
 * Agreement} checking that explain, the page, downloads and {@code check} decide alike.
 */
class FailClosedEndToEndIT {
  static final Instant LONG_AGO = Instant.parse("2026-01-01T00:00:00Z");

  /** A dependency pip would fetch around the proxy. */
  static final String EVIL = "evil @ https://127.0.0.1:9/evil-1.0.tar.gz";

  @TempDir Path dir;
  TamperingUpstream upstream = TamperingUpstream.start();
  ProxyServer proxy;
  Path policy;
  Path config;
  List<String> advisories = List.of();

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    upstream.close();
  }

  void start(String policyYaml, String... advisorySources) throws Exception {
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, policyYaml);
    advisories = List.of(advisorySources);
    config = Agreement.config(dir, upstream.uri(), dir.resolve("cache"), policy, advisorySources);
    restart();
  }

  void restart() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    ServerConfig c =
        ServerConfig.defaults(upstream.uri(), dir.resolve("cache"))
            .withPort(0)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(500))
            .withPolicyFile(Optional.of(policy))
            // Every page fresh from the upstream, as check sees it: the tampering is on the page.
            .withPageTtl(Duration.ZERO);
    if (!advisories.isEmpty()) {
      c = c.withAdvisories(advisories, Duration.ofHours(1));
    }
    proxy = ProxyServer.start(c);
  }

  static Entry wheel(String project, String version) {
    return Entry.of(WheelBuilder.of(project, version).build()).uploaded(LONG_AGO);
  }

  PipResult pip(String... args) {
    PythonEnv.assumePython3();
    return PythonEnv.shared().install(java.net.URI.create(proxy.uri() + "/simple/"), List.of(args));
  }

  /** Names pip reads but a parser could miss: each is judged with its version, or blocked. */
  @Test
  void oddFileNames_areJudgedWithTheirVersionOrBlockedAsFilename() throws Exception {
    start("versions: {deny: {victim: \">=2\"}}\n");
    Entry ok = wheel("victim", "1.0");
    Entry lzma =
        Entry.of("victim-2.0.tar.lzma", "sdist".getBytes(StandardCharsets.UTF_8))
            .uploaded(LONG_AGO);
    Entry emptyTag = wheel("victim", "3.0").named("victim-3.0-py3.-none-any.whl");
    Entry other = wheel("other", "9.0");
    Entry legacy =
        Entry.of("victim-1.0-beta-final.tar.gz", "x".getBytes(StandardCharsets.UTF_8))
            .uploaded(LONG_AGO);
    upstream.page("victim", ok, lzma, emptyTag, other, legacy);

    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d)
        .containsEntry("victim-1.0-py3-none-any.whl", "allow")
        .containsEntry("victim-2.0.tar.lzma", "block")
        .containsEntry("victim-3.0-py3.-none-any.whl", "block")
        .containsEntry("other-9.0-py3-none-any.whl", "block")
        .containsEntry("victim-1.0-beta-final.tar.gz", "block");
    String explain = get(proxy, "/-/explain/victim", "application/json").body();
    assertThat(explain)
        .contains("other-9.0-py3-none-any.whl names project other, not victim")
        .contains("\\\"1.0-beta-final\\\" of victim-1.0-beta-final.tar.gz is not valid PEP 440");

    PipResult r = pip("victim");
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).containsEntry("victim", "1.0");
  }

  /** A known name with new bytes is blocked naming both hashes, also after a restart. */
  @Test
  void swappedBytesUnderAKnownName_blockedAsIntegrity_andRememberedAcrossRestarts()
      throws Exception {
    start("");
    Entry ok = wheel("victim", "1.0");
    upstream.page("victim", ok);
    assertThat(assertAgree(proxy, config, "victim")).containsEntry(ok.filename(), "allow");

    byte[] evil = WheelBuilder.of("victim", "1.0").initPy("import os  # evil\n").build().bytes();
    upstream.swap("victim", ok.filename(), evil);
    restart();
    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d).containsEntry(ok.filename(), "block");
    String explain = get(proxy, "/-/explain/victim", "application/json").body();
    assertThat(explain)
        .contains("was first seen with sha256 " + ok.hashes().get("sha256"))
        .contains("now gives sha256 " + dev.pypiguard.core.blob.Sha256.of(evil).hex());
    assertThat(Files.readString(dir.resolve("cache/known-files.tsv"))).contains(ok.filename());

    PipResult r = pip("victim==1.0");
    assertThat(r.succeeded()).isFalse();
  }

  /** One name listed twice with two hashes: neither is served. */
  @Test
  void oneNameTwoHashes_bothBlocked() throws Exception {
    start("");
    Entry a = wheel("victim", "1.0");
    Entry b = a.withBytes("other bytes".getBytes(StandardCharsets.UTF_8));
    upstream.page("victim", a, b);
    assertThat(assertAgree(proxy, config, "victim"))
        .containsEntry(a.filename(), "block")
        .hasSize(1);
    assertThat(get(proxy, "/-/explain/victim", "application/json").body())
        .contains("different sha256s");
  }

  /** An OSV API that fails: releases are held, /healthz says degraded, check says HELD. */
  @Test
  void failingOsvApi_releasesHeld_healthDegraded() throws Exception {
    upstream.osv(TamperingUpstream.Osv.FAIL);
    start("", "osv-api:" + upstream.osvUri());
    upstream.page("victim", wheel("victim", "1.0"));
    assertThat(assertAgree(proxy, config, "victim"))
        .containsEntry("victim-1.0-py3-none-any.whl", "hold");
    assertThat(get(proxy, "/healthz", "text/plain").body()).startsWith("degraded");
    assertThat(CliTest.run("check", "--config", config.toString(), "victim==1.0").out())
        .contains("victim==1.0: HELD");
    PipResult r = pip("victim");
    assertThat(r.succeeded()).isFalse();
  }

  /**
   * A file request waits for its own release's OSV answer, not for every release of its page
   * (README "Speed"): an answer that never comes holds its release only.
   */
  @Test
  void osvApiHangingForOneRelease_holdsThatOneOnly() throws Exception {
    upstream.osvHangsFor("2.0");
    start("advisories:\n  vulnerable: block\n", "osv-api:" + upstream.osvUri());
    upstream.page("victim", wheel("victim", "1.0"), wheel("victim", "2.0"));
    var allowed = get(proxy, "/files/victim/victim-1.0-py3-none-any.whl", "*/*");
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    var held = get(proxy, "/files/victim/victim-2.0-py3-none-any.whl", "*/*");
    assertThat(held.statusCode()).isEqualTo(503);
    assertThat(held.body()).contains("advisories.on-unavailable: hold");
  }

  /** Audit mode reports, but a malicious release stays blocked; a local version is covered. */
  @Test
  void auditMode_maliciousAndItsLocalVersionsStillBlocked() throws Exception {
    Path osv = Files.createDirectories(dir.resolve("osv"));
    Files.writeString(
        osv.resolve("MAL-2026-13.json"),
        """
        {"id": "MAL-2026-13", "summary": "Malicious code in victim", "modified": "2026-01-01T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "victim"}, "versions": ["2.0"]}]}
        """);
    start("mode: audit\nversions: {deny: {victim: \"<1.5\"}}\n", osv.toString());
    upstream.page(
        "victim", wheel("victim", "1.0"), wheel("victim", "2.0"), wheel("victim", "2.0+corp.1"));
    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d)
        .containsEntry("victim-1.0-py3-none-any.whl", "allow")
        .containsEntry("victim-2.0-py3-none-any.whl", "block")
        .containsEntry("victim-2.0+corp.1-py3-none-any.whl", "block");
    PipResult r = pip("victim");
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).containsEntry("victim", "1.0");
  }

  /** An exception covers the files that existed when it was written, not ones added later. */
  @Test
  void exceptionByDate_doesNotCoverAFileAddedLater() throws Exception {
    start(
        "versions: {deny: {victim: \"==1.0\"}}\n"
            + "exceptions: [{project: victim, versions: \"==1.0\", until: 2099-01-01, reason: T-1, date: 2026-06-01}]\n");
    Entry before = Entry.of(WheelBuilder.of("victim", "1.0").build()).uploaded(LONG_AGO);
    Entry after =
        Entry.of("victim-1.0.tar.gz", "added later".getBytes(StandardCharsets.UTF_8))
            .uploaded(Instant.parse("2026-07-01T00:00:00Z"));
    upstream.page("victim", before, after);
    assertThat(assertAgree(proxy, config, "victim"))
        .containsEntry(before.filename(), "allow")
        .containsEntry(after.filename(), "block");
  }

  /** A dependency pip would fetch around the proxy: pip fails, and the page drops the release. */
  @Test
  void directUrlRequirement_blockedBeforePipGetsIt() throws Exception {
    start("");
    Artifact bad =
        WheelBuilder.of("victim", "2.0")
            .requires("evil @ http://127.0.0.1:9/evil-1.0.tar.gz")
            .build();
    upstream.page("victim", wheel("victim", "1.0"), Entry.of(bad).uploaded(LONG_AGO));
    PipResult r = pip("victim==2.0");
    assertThat(r.succeeded()).isFalse();
    assertThat(r.output()).contains("403");
    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d)
        .containsEntry(bad.filename(), "block")
        .containsEntry("victim-1.0-py3-none-any.whl", "allow");
    assertThat(get(proxy, "/-/explain/victim", "application/json").body())
        .contains("core metadata requires evil @ http://127.0.0.1:9/evil-1.0.tar.gz");
  }

  /**
   * The same dependency in a wheel whose upstream advertises no core metadata (PEP 658): the
   * metadata the proxy generates from the wheel is judged before the first byte reaches pip, and
   * the page drops the release once it is known.
   */
  @Test
  void directUrlRequirement_inGeneratedMetadata_blockedBeforePipGetsIt() throws Exception {
    start("");
    Artifact bad = WheelBuilder.of("victim", "2.0").requires(EVIL).build();
    Artifact good = WheelBuilder.of("victim", "1.0").build();
    upstream.page("victim", withoutMetadata(good), withoutMetadata(bad));
    assertThat(served(get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json").body()))
        .as("listed while its metadata is unknown")
        .contains(bad.filename());

    var blocked = get(proxy, "/files/victim/" + bad.filename(), "*/*");
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(blocked.body()).contains("core metadata requires " + EVIL);
    assertThat(get(proxy, "/files/victim/" + bad.filename() + ".metadata", "*/*").statusCode())
        .isEqualTo(403);
    assertThat(served(get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json").body()))
        .as("dropped once its metadata is known")
        .containsExactly(good.filename());
    assertThat(get(proxy, "/-/explain/victim", "application/json").body())
        .contains("core metadata requires " + EVIL);
    assertThat(get(proxy, "/files/victim/" + good.filename(), "*/*").statusCode()).isEqualTo(200);
    // check reads the metadata serve generated: one decision
    assertThat(assertAgree(proxy, config, "victim"))
        .containsEntry(bad.filename(), "block")
        .containsEntry(good.filename(), "allow");

    PipResult r = pip("--no-deps", "--dry-run", "victim==2.0");
    assertThat(r.succeeded()).isFalse();
  }

  /**
   * An upstream that advertises core metadata and then fails to serve it: the wheel is judged with
   * its own METADATA (read from the wheel), not let through unread. Before, the wheel was judged
   * without metadata and served with its direct-URL dependency. {@code check}, which fetches the
   * advertised metadata itself, holds the release with the reason (it said ALLOWED).
   */
  @Test
  void advertisedMetadataFailing_theWheelsOwnIsJudged_andCheckHolds() throws Exception {
    start("");
    Artifact bad = WheelBuilder.of("victim", "2.0").requires(EVIL).build();
    upstream.page("victim", Entry.of(bad).uploaded(LONG_AGO));
    upstream.failMetadata(500);
    var checked = CliTest.run("check", "--config", config.toString(), "victim==2.0");
    assertThat(checked.out())
        .contains("victim==2.0: HELD")
        .contains("core metadata could not be read");
    assertThat(checked.code()).isEqualTo(1);
    var blocked = get(proxy, "/files/victim/" + bad.filename(), "*/*");
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(blocked.body()).contains("core metadata requires " + EVIL);
    assertThat(upstream.requests("/files/" + bad.filename() + ".metadata")).isPositive();
  }

  /**
   * {@code check} reads at most 200 core metadata files of a page, newest first, as pip picks: the
   * newest release is read and reported (read in page order, it was past the limit and held, and an
   * older one was reported); a named version is read whatever its place, here the oldest, whose
   * metadata requires a direct URL.
   */
  @Test
  void check_readsTheNewestMetadataFirst_onAPageOfMoreThanItReads() throws Exception {
    start("");
    var entries = new ArrayList<Entry>();
    entries.add(
        Entry.of(WheelBuilder.of("victim", "1.0").requires(EVIL).build()).uploaded(LONG_AGO));
    for (int i = 1; i <= 200; i++) {
      entries.add(Entry.of(WheelBuilder.of("victim", "1." + i).build()).uploaded(LONG_AGO));
    }
    entries.add(Entry.of(WheelBuilder.of("victim", "2.0").build()).uploaded(LONG_AGO));
    upstream.page("victim", entries.toArray(Entry[]::new));
    assertThat(CliTest.run("check", "--config", config.toString(), "victim").out())
        .contains("victim==2.0: ALLOWED");
    assertThat(CliTest.run("check", "--config", config.toString(), "victim==1.0").out())
        .contains("victim==1.0: BLOCKED")
        .contains("core metadata requires " + EVIL);
  }

  /**
   * Advertised core metadata the upstream fails to serve, of an sdist (which is not read for its
   * own): the file is not served unread. Its download answers as the failed fetch (502, naming the
   * metadata), the page holds it for a while, explain says why; the first download once the
   * upstream serves the metadata again gets the file.
   */
  @Test
  void advertisedMetadataFailing_forAnSdist_notServedUntilItCanBeRead() throws Exception {
    start("");
    Artifact sdist = dev.pypiguard.testing.SdistBuilder.of("victim", "2.0").build();
    Artifact ok = WheelBuilder.of("victim", "1.0").build();
    upstream.page("victim", Entry.of(ok).uploaded(LONG_AGO), Entry.of(sdist).uploaded(LONG_AGO));
    upstream.failMetadata(500);
    var refused = get(proxy, "/files/victim/" + sdist.filename(), "*/*");
    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(refused.body()).contains(sdist.filename() + ".metadata");
    assertThat(get(proxy, "/files/victim/" + sdist.filename() + ".metadata", "*/*").statusCode())
        .isEqualTo(502);
    assertThat(served(get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json").body()))
        .as("held off the page for now")
        .containsExactly(ok.filename());
    assertThat(get(proxy, "/-/explain/victim", "application/json").body())
        .contains("core metadata could not be read");

    upstream.failMetadata(0);
    var served = get(proxy, "/files/victim/" + sdist.filename(), "*/*");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served(get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json").body()))
        .containsExactlyInAnyOrder(ok.filename(), sdist.filename());
  }

  /**
   * Advertised core metadata the upstream fails to serve, of a wheel whose own METADATA is not what
   * the page advertised: contradictory, so the wheel is held (503), saying both digests.
   */
  @Test
  void advertisedMetadataFailing_wheelsOwnDiffers_isHeld() throws Exception {
    start("");
    Artifact wheel = WheelBuilder.of("victim", "1.0").build();
    byte[] advertised =
        "Metadata-Version: 2.1\nName: victim\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8);
    upstream.page("victim", Entry.of(wheel).uploaded(LONG_AGO).withMetadata(advertised));
    upstream.failMetadata(500);
    var held = get(proxy, "/files/victim/" + wheel.filename(), "*/*");
    assertThat(held.statusCode()).isEqualTo(503);
    assertThat(held.body())
        .contains("core metadata could not be read")
        .contains(
            "the page advertised sha256 "
                + dev.pypiguard.testing.HostileUpstream.sha256(advertised));
  }

  /**
   * Advertised core metadata with a long description (2 MiB, past what was read of it before): its
   * direct-URL dependency blocks the wheel. Before, a metadata file over 1 MiB was not read, and
   * the wheel was judged without it.
   */
  @Test
  void longMetadata_itsDirectUrlDependencyStillBlocks() throws Exception {
    start("");
    Artifact wheel = WheelBuilder.of("victim", "2.0").build();
    byte[] metadata =
        ("Metadata-Version: 2.1\nName: victim\nVersion: 2.0\nRequires-Dist: "
                + EVIL
                + "\n\n"
                + "A long description. ".repeat(100_000))
            .getBytes(StandardCharsets.UTF_8);
    upstream.page("victim", Entry.of(wheel).uploaded(LONG_AGO).withMetadata(metadata));
    var blocked = get(proxy, "/files/victim/" + wheel.filename(), "*/*");
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(blocked.body()).contains("core metadata requires " + EVIL);
  }

  /**
   * Core metadata advertised without a sha256 (PEP 714 {@code true}) cannot be verified: pip gets
   * the wheel's own METADATA, which the {@code metadata} rule judged, never the upstream's. Before,
   * the upstream's was served as it came and judged by nothing.
   */
  @Test
  void hashlessMetadata_theWheelsOwnIsServedAndJudged() throws Exception {
    start("");
    Artifact bad = WheelBuilder.of("victim", "2.0").requires(EVIL).build();
    Artifact good = WheelBuilder.of("victim", "1.0").build();
    byte[] lying =
        ("Metadata-Version: 2.1\nName: victim\nVersion: 1.0\nRequires-Dist: " + EVIL + "\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] clean =
        "Metadata-Version: 2.1\nName: victim\nVersion: 2.0\n".getBytes(StandardCharsets.UTF_8);
    upstream.metadataWithoutHash(true);
    upstream.page(
        "victim",
        Entry.of(good).uploaded(LONG_AGO).withMetadata(lying),
        Entry.of(bad).uploaded(LONG_AGO).withMetadata(clean));

    var blocked = get(proxy, "/files/victim/" + bad.filename(), "*/*");
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(blocked.body()).contains("core metadata requires " + EVIL);
    var own = get(proxy, "/files/victim/" + good.filename() + ".metadata", "*/*");
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.body()).isEqualTo(new String(good.metadata(), StandardCharsets.UTF_8));
    assertThat(get(proxy, "/files/victim/" + good.filename(), "*/*").statusCode()).isEqualTo(200);
  }

  /**
   * A wheel whose page advertises no core metadata and whose own METADATA cannot be read (not a
   * zip): held, not served unread.
   */
  @Test
  void wheelWithoutReadableMetadata_isHeld() throws Exception {
    start("");
    Entry notAZip =
        withoutMetadata(WheelBuilder.of("victim", "1.0").build())
            .withBytes("not a zip".getBytes(StandardCharsets.UTF_8));
    upstream.page("victim", notAZip);
    var held = get(proxy, "/files/victim/victim-1.0-py3-none-any.whl", "*/*");
    assertThat(held.statusCode()).isEqualTo(503);
    assertThat(held.body()).contains("core metadata could not be read");

    // Downloaded whole for its METADATA, so in the cache: export holds it too.
    assertThat(
            proxy.store().find(new dev.pypiguard.core.blob.Sha256(notAZip.hashes().get("sha256"))))
        .isPresent();
    proxy.close();
    proxy = null;
    Path out = dir.resolve("mirror");
    var export =
        CliTest.run(
            "export",
            "--cache-dir",
            dir.resolve("cache").toString(),
            "--policy",
            policy.toString(),
            out.toString());
    assertThat(export.code()).as(export.err()).isZero();
    assertThat(out.resolve("files/victim/victim-1.0-py3-none-any.whl")).doesNotExist();
  }

  /** The file names a PEP 691 page lists. */
  static List<String> served(String page) throws Exception {
    var files = new com.fasterxml.jackson.databind.ObjectMapper().readTree(page).path("files");
    var out = new java.util.ArrayList<String>();
    files.forEach(f -> out.add(f.path("filename").asText()));
    return out;
  }

  /** {@code a} as an upstream without PEP 658 lists it: no core metadata advertised or served. */
  static Entry withoutMetadata(Artifact a) {
    Entry e = Entry.of(a).uploaded(LONG_AGO);
    return new Entry(
        e.filename(), e.bytes(), e.hashes(), e.uploadTime(), e.provenance(), Optional.empty());
  }

  /**
   * A later upload of a lower version attested by another publisher is a takeover, not the new
   * reference; and an unattested later upload is blocked whatever its version.
   */
  @Test
  void publisherTakeoverByALowerVersionUploadedLater_blocked() throws Exception {
    TestSigstore sigstore = TestSigstore.create();
    sigstore.writeTrustedRoot(dir.resolve("trusted_root.json"));
    start(
        "attestations:\n  verify: true\n  publisher-change: block\n  trusted-root: trusted_root.json\n");
    var one = TestSigstore.Publisher.github("owner/one", "release.yml");
    var two = TestSigstore.Publisher.github("attacker/two", "release.yml");
    Entry real = wheel("victim", "2.0");
    Entry takeover = wheel("victim", "0.1").uploaded(LONG_AGO.plus(Duration.ofDays(30)));
    Entry unattested = wheel("victim", "0.0.1").uploaded(LONG_AGO.plus(Duration.ofDays(31)));
    upstream.page(
        "victim",
        takeover.withProvenance(
            sigstore.provenance(takeover.filename(), takeover.hashes().get("sha256"), two)),
        real.withProvenance(sigstore.provenance(real.filename(), real.hashes().get("sha256"), one)),
        unattested);
    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d)
        .containsEntry(real.filename(), "allow")
        .containsEntry(takeover.filename(), "block")
        .containsEntry(unattested.filename(), "block");
    PipResult r = pip("victim<1");
    assertThat(r.succeeded()).isFalse();
  }

  static String md5(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
  }

  /** Only md5 from the upstream: blocked by default with the reason, and the setting named. */
  @Test
  void md5Only_blockedByDefault() throws Exception {
    start("");
    Entry w = wheel("victim", "1.0");
    upstream.page("victim", w.withHashes(Map.of("md5", md5(w.bytes()))));
    assertThat(assertAgree(proxy, config, "victim")).containsEntry(w.filename(), "block");
    assertThat(get(proxy, "/-/explain/victim", "application/json").body())
        .contains(
            "the upstream gives only md5 for this file, no sha256, so it cannot be verified (files.weak-hashes: block)");
  }

  /**
   * files.weak-hashes: verify-and-pin: verified by md5 once, pinned by sha256 for ever (also in
   * known-files.tsv), then installed by pip; a file whose bytes do not match its md5 stays held.
   */
  @Test
  void md5Only_verifyAndPin_pinnedThenInstalledByPip_aWrongMd5StaysHeld() throws Exception {
    start("files: {weak-hashes: verify-and-pin}\n");
    Entry w = wheel("victim", "1.0");
    Entry wrong = wheel("victim", "2.0");
    upstream.page(
        "victim",
        w.withHashes(Map.of("md5", md5(w.bytes()))),
        wrong.withHashes(Map.of("md5", md5("not these bytes".getBytes(StandardCharsets.UTF_8)))));
    get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json");
    Map<String, String> d = assertAgree(proxy, config, "victim");
    assertThat(d).containsEntry(w.filename(), "allow").containsEntry(wrong.filename(), "hold");
    assertThat(Files.readString(dir.resolve("cache/known-files.tsv")))
        .contains(w.filename() + "\t" + w.hashes().get("sha256"));
    assertThat(get(proxy, "/simple/victim/", "application/vnd.pypi.simple.v1+json").body())
        .contains(w.hashes().get("sha256"));
    PipResult r = pip("victim");
    assertThat(r.succeeded()).as(r.toString()).isTrue();
    assertThat(r.installedVersions()).containsEntry("victim", "1.0");
  }
}
