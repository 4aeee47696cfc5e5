package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Issue 13's one assertion: {@code /-/explain}, the served page, a download and {@code pypi-guard
 * check} give every file of a project the same decision ({@code allow}, {@code block} or {@code
 * hold}). Used by every fail-closed end-to-end test.
 */
final class Agreement {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Agreement() {}

  /**
   * Asserts that every surface agrees for every file of {@code project}, and returns the decisions
   * by file name.
   *
   * @param config a config file naming the same upstream, policy, advisories and cache-dir as the
   *     server, for {@code check}
   */
  static Map<String, String> assertAgree(ProxyServer proxy, Path config, String project)
      throws Exception {
    JsonNode explain =
        MAPPER.readTree(get(proxy, "/-/explain/" + project, "application/json").body());
    Map<String, String> decisions = new LinkedHashMap<>();
    var versions = new TreeSet<String>();
    for (JsonNode f : explain.path("files")) {
      decisions.put(f.path("filename").asText(), f.path("decision").asText());
      if (!f.path("version").asText().isEmpty()) {
        versions.add(f.path("version").asText());
      }
    }
    assertThat(decisions).as("explain lists files of " + project).isNotEmpty();
    String page =
        get(proxy, "/simple/" + project + "/", "application/vnd.pypi.simple.v1+json").body();
    JsonNode files = MAPPER.readTree(page).path("files");
    var listed = new TreeSet<String>();
    files.forEach(f -> listed.add(f.path("filename").asText()));
    StringBuilder checked = new StringBuilder();
    for (String v : versions) {
      checked.append(CliTest.run("check", "--config", config.toString(), project + "==" + v).out());
    }
    for (var e : decisions.entrySet()) {
      String file = e.getKey();
      String d = e.getValue();
      assertThat(listed.contains(file))
          .as(file + " on the page, decided " + d)
          .isEqualTo(d.equals("allow"));
      int status =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create(proxy.uri() + "/files/" + project + "/" + file))
                      .method("HEAD", HttpRequest.BodyPublishers.noBody())
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
      int expected =
          switch (d) {
            case "allow" -> 200;
            case "hold" -> 503;
            default -> 403;
          };
      assertThat(status).as("/files/ for " + file + ", decided " + d).isEqualTo(expected);
      if (!file.contains("-") || versions.stream().noneMatch(file::contains)) {
        continue; // a file without a version is in no release check could name
      }
      assertThat(checked.toString()).as("check on " + file).contains("  " + file + ": " + d);
    }
    return decisions;
  }

  static HttpResponse<String> get(ProxyServer proxy, String path, String accept)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(proxy.uri() + path))
            .header("Accept", accept)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A config file for {@code check} and {@code serve} with these settings. */
  static Path config(Path dir, URI upstream, Path cacheDir, Path policy, String... advisories)
      throws IOException {
    StringBuilder y =
        new StringBuilder()
            .append("upstream: ")
            .append(upstream)
            .append('\n')
            .append("cache-dir: ")
            .append(cacheDir)
            .append('\n')
            .append("policy: ")
            .append(policy)
            .append('\n');
    if (advisories.length > 0) {
      y.append("advisories:\n  sources:\n");
      for (String a : advisories) {
        y.append("    - ").append(a).append('\n');
      }
    }
    Path f = dir.resolve("pypi-guard.yaml");
    Files.writeString(f, y.toString());
    return f;
  }
}
