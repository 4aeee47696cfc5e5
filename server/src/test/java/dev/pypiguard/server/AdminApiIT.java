package dev.pypiguard.server;

import static dev.pypiguard.server.Harness.eventually;
import static dev.pypiguard.server.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.testing.Artifact;
import dev.pypiguard.testing.FileOptions;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API under /-/admin/: stats, purge, reload, recent blocks (issue 7). */
class AdminApiIT {
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  Path policy;
  Harness h;
  Artifact old = WheelBuilder.of("alpha", "1.0").build();
  Artifact fresh = WheelBuilder.of("alpha", "2.0").build();

  @BeforeEach
  void start() throws Exception {
    policy = dir.resolve("policies.yaml");
    Files.writeString(policy, "release-age:\n  minimum: 7d\n");
    h =
        Harness.start(
            TestUpstream.Mode.JSON_AND_HTML,
            dir.resolve("cache"),
            c -> c.withPolicyFile(Optional.of(policy)));
    h.upstream.publish(
        old, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));
    h.upstream.publish(
        fresh,
        FileOptions.defaults()
            .withUploadTime(Instant.now().minus(Duration.ofDays(2).plusHours(1))));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  JsonNode json(HttpResponse<byte[]> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return MAPPER.readTree(r.body());
  }

  JsonNode post(String path) throws Exception {
    HttpResponse<byte[]> r = h.send("POST", path);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    return json(r);
  }

  boolean stored(Artifact a) {
    return Files.exists(
        h.cacheDir
            .resolve("blobs/sha256")
            .resolve(a.sha256().substring(0, 2))
            .resolve(a.sha256().substring(2, 4))
            .resolve(a.sha256()));
  }

  @Test
  void stats_countStoredFilesPagesHitsAndUpstreamHealth() throws Exception {
    JsonNode before = json(h.get("/-/admin/stats"));
    assertThat(before.path("artifacts").path("files").asLong()).isZero();
    assertThat(before.path("upstreams").get(0).path("state").asText()).isEqualTo("unknown");

    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
    h.awaitKept(old.sha256());
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
    JsonNode s = json(h.get("/-/admin/stats"));
    assertThat(s.path("artifacts").path("files").asLong())
        .isEqualTo(2); // the file and its core metadata, fetched before it (issue 13)
    assertThat(s.path("artifacts").path("bytes").asLong())
        .isEqualTo(old.bytes().length + old.metadata().length);
    assertThat(s.path("pages").path("cached").asLong()).isEqualTo(1);
    assertThat(s.path("pages").path("by-upstream").path("pypi").asLong()).isEqualTo(1);
    assertThat(s.path("cache").path("file").path("hits").asLong()).isEqualTo(1);
    assertThat(s.path("cache").path("file").path("misses").asLong()).isEqualTo(1);
    assertThat(s.path("cache").path("file").path("hit-rate").asDouble()).isEqualTo(0.5);
    JsonNode up = s.path("upstreams").get(0);
    assertThat(up.path("name").asText()).isEqualTo("pypi");
    assertThat(up.path("state").asText()).isEqualTo("up");
    assertThat(up.path("last-success").isTextual()).isTrue();
    assertThat(s.path("policy").path("mode").asText()).isEqualTo("enforce");
    assertThat(s.path("policy").path("file").asText()).isEqualTo(policy.toString());
  }

  @Test
  void stats_filesHostFailing_whilePagesCome_saysDownWithTheFile() throws Exception {
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    h.upstream.failWith("/files/", 503);
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(502);
    JsonNode up = json(h.get("/-/admin/stats")).path("upstreams").get(0);
    assertThat(up.path("state").asText()).isEqualTo("down");
    assertThat(up.path("last-error").asText()).contains("file " + old.filename()).contains("503");

    h.upstream.resetKnobs();
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
    assertThat(json(h.get("/-/admin/stats")).path("upstreams").get(0).path("state").asText())
        .isEqualTo("up");
  }

  @Test
  void stats_upstreamDown_saysDownWithTheLastError() throws Exception {
    h.upstream.failWith("/simple/", 500);
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(502);
    JsonNode up = json(h.get("/-/admin/stats")).path("upstreams").get(0);
    assertThat(up.path("state").asText()).isEqualTo("down");
    assertThat(up.path("last-error").asText()).contains("500");
    assertThat(up.path("failures-in-a-row").asLong()).isEqualTo(1);
  }

  @Test
  void purgeProject_dropsPagesAndFiles_thenTheyAreFetchedAgain() throws Exception {
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
    eventually("the file is kept", () -> stored(old)); // kept just after it is sent
    int pageFetches = h.upstream.requests("/simple/alpha/");

    JsonNode purged = post("/-/admin/purge/Alpha");
    assertThat(purged.path("project").asText()).isEqualTo("alpha");
    assertThat(purged.path("pages").asInt()).isEqualTo(1);
    assertThat(purged.path("rendered").asInt())
        .isEqualTo(1); // the page's; a file request judges its file alone (README "Speed")
    assertThat(purged.path("files").asInt())
        .isEqualTo(2); // the file and its core metadata, fetched before it (issue 13)
    assertThat(purged.path("bytes").asLong()).isEqualTo(old.bytes().length + old.metadata().length);
    assertThat(stored(old)).isFalse();
    assertThat(Files.exists(h.cacheDir.resolve("pages/pypi/alpha.json"))).isFalse();

    assertThat(h.get("/files/alpha/" + old.filename()).body()).isEqualTo(old.bytes());
    assertThat(h.upstream.requests("/simple/alpha/")).isEqualTo(pageFetches + 1);
    assertThat(h.upstream.requests("/files/" + old.filename())).isEqualTo(2);
    eventually("the file is kept", () -> stored(old)); // kept just after it is sent
  }

  @Test
  void purgeFile_deletesThatFileOnly_thenItIsFetchedAgain() throws Exception {
    Artifact other = WheelBuilder.of("alpha", "1.0").tags("py2-none-any").build();
    h.upstream.publish(
        other, FileOptions.defaults().withUploadTime(Instant.now().minus(Duration.ofDays(30))));
    assertThat(h.get("/files/alpha/" + old.filename()).statusCode()).isEqualTo(200);
    assertThat(h.get("/files/alpha/" + other.filename()).statusCode()).isEqualTo(200);
    eventually("both files are kept", () -> stored(old) && stored(other));

    JsonNode purged = post("/-/admin/purge/alpha/" + old.filename());
    assertThat(purged.path("file").asText()).isEqualTo(old.filename());
    assertThat(purged.path("files").asInt())
        .isEqualTo(2); // the file and its core metadata, fetched before it (issue 13)
    assertThat(stored(old)).isFalse();
    assertThat(stored(other)).isTrue();
    assertThat(Files.exists(h.cacheDir.resolve("pages/pypi/alpha.json"))).isTrue();

    assertThat(h.get("/files/alpha/" + old.filename()).body()).isEqualTo(old.bytes());
    assertThat(h.upstream.requests("/files/" + old.filename())).isEqualTo(2);
    eventually("the file is kept again", () -> stored(old));
    assertThat(
            Sha256.of(
                    Files.readAllBytes(
                        h.cacheDir
                            .resolve("blobs/sha256")
                            .resolve(old.sha256().substring(0, 2))
                            .resolve(old.sha256().substring(2, 4))
                            .resolve(old.sha256())))
                .hex())
        .isEqualTo(old.sha256());
  }

  @Test
  void purge_unknownFileOrBadName_isAClearError() throws Exception {
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> unknown = h.send("POST", "/-/admin/purge/alpha/nope-1.0.tar.gz");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(text(unknown)).contains("nope-1.0.tar.gz is not a file of alpha on any cached page");
    HttpResponse<byte[]> bad = h.send("POST", "/-/admin/purge/-bad-");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(text(bad)).contains("not a valid project name");
    assertThat(post("/-/admin/purge/never-seen").path("pages").asInt()).isZero();
  }

  @Test
  void methods_getOnChanges_postOnReads_postElsewhere_are405() {
    HttpResponse<byte[]> get = h.get("/-/admin/reload");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(h.send("POST", "/-/admin/stats").statusCode()).isEqualTo(405);
    assertThat(h.send("POST", "/simple/alpha/").statusCode()).isEqualTo(405);
    assertThat(h.send("DELETE", "/-/admin/purge/alpha").statusCode()).isEqualTo(405);
    assertThat(h.get("/-/admin/nope").statusCode()).isEqualTo(404);
    assertThat(text(h.get("/-/admin/"))).contains("POST /-/admin/purge/<project>");
  }

  @Test
  void post_fromAnotherOrigin_isRefused() {
    HttpResponse<byte[]> r = h.send("POST", "/-/admin/reload", "Origin", "http://evil.example");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(text(r)).contains("cross-origin");
    assertThat(h.send("POST", "/-/admin/reload", "Sec-Fetch-Site", "cross-site").statusCode())
        .isEqualTo(403);
    assertThat(h.send("POST", "/-/admin/reload", "Origin", h.proxy.uri().toString()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void reload_appliesAChangedPolicyNow_andReportsAnInvalidOne() throws Exception {
    assertThat(post("/-/admin/reload").path("policy").path("outcome").asText())
        .isEqualTo("unchanged");
    Files.writeString(policy, "release-age:\n  minimum: 1d\n");
    JsonNode ok = post("/-/admin/reload");
    assertThat(ok.path("policy").path("outcome").asText()).isEqualTo("reloaded");
    assertThat(h.get("/files/alpha/" + fresh.filename()).statusCode()).isEqualTo(200);

    Files.writeString(policy, "release-age:\n  minimum: soon\n");
    HttpResponse<byte[]> bad = h.send("POST", "/-/admin/reload");
    assertThat(bad.statusCode()).isEqualTo(422);
    JsonNode problems = json(bad).path("policy");
    assertThat(problems.path("outcome").asText()).isEqualTo("invalid");
    assertThat(problems.path("problems").asText())
        .contains(policy + ":2")
        .contains("release-age.minimum");
    assertThat(h.get("/files/alpha/" + fresh.filename()).statusCode()).isEqualTo(200);
  }

  @Test
  void blocks_listTheRecentBlockingDecisions_withRuleReasonAndClient() throws Exception {
    assertThat(json(h.get("/-/admin/blocks")).path("blocks")).isEmpty();
    assertThat(h.get("/simple/alpha/").statusCode()).isEqualTo(200);
    assertThat(h.get("/files/alpha/" + fresh.filename()).statusCode()).isEqualTo(403);
    JsonNode blocks = awaitBlocks();
    assertThat(blocks).hasSize(1);
    JsonNode b = blocks.get(0);
    assertThat(b.path("project").asText()).isEqualTo("alpha");
    assertThat(b.path("file").asText()).isEqualTo(fresh.filename());
    assertThat(b.path("version").asText()).isEqualTo("2.0");
    assertThat(b.path("rule").asText()).isEqualTo("release-age");
    assertThat(b.path("reason").asText()).contains("uploaded 2 days ago, minimum is 7 days");
    assertThat(b.path("decision").asText()).isEqualTo("block");
    assertThat(b.path("client").asText()).isEqualTo("127.0.0.1");
    assertThat(b.path("count").asInt()).isEqualTo(2);
    assertThat(b.path("via").asText()).isEqualTo("page,file");
    assertThat(Instant.parse(b.path("time").asText())).isBeforeOrEqualTo(Instant.now());

    assertThat(json(h.get("/-/admin/blocks?limit=1")).path("blocks")).hasSize(1);
    HttpResponse<byte[]> bad = h.get("/-/admin/blocks?limit=zero");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(text(bad)).contains("limit: \"zero\" (expected: a number from 1 to 500)");
  }

  /** Decisions are recorded off the request thread: waits (bounded) for both to be counted. */
  JsonNode awaitBlocks() throws Exception {
    JsonNode blocks = MAPPER.nullNode();
    for (int i = 0; i < 200; i++) {
      blocks = json(h.get("/-/admin/blocks")).path("blocks");
      if (blocks.size() == 1 && blocks.get(0).path("count").asInt() == 2) {
        break;
      }
      Thread.sleep(25);
    }
    return blocks;
  }
}
