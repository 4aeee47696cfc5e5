package dev.pypiguard.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.config.YamlDocument;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file's {@code storage:} section (issue 8). */
class StorageSectionTest {
  @TempDir Path dir;

  Storage read(String yaml, Map<String, String> env, List<String> problems) throws Exception {
    Path cfg = dir.resolve("pypi-guard.yaml");
    Files.writeString(cfg, yaml);
    YamlDocument doc = YamlDocument.read(cfg);
    doc.expandEnvironment(env::get);
    Storage s = StorageSection.read(doc, doc.root().get("storage"), problems);
    problems.addAll(doc.problems());
    return s;
  }

  @Test
  void s3_everyKey_isRead_withEnvironmentAndSecretFile() throws Exception {
    Files.writeString(dir.resolve("s3-secret"), "s3cr3t\n");
    var problems = new ArrayList<String>();
    Storage s =
        read(
            """
        storage:
          type: s3
          endpoint: https://minio.internal:9000
          region: ${REGION}
          bucket: pypi-guard
          prefix: fleet/eu
          path-style: true
          access-key: ${S3_ACCESS_KEY}
          secret-key-file: s3-secret
        """,
            Map.of("REGION", "eu-west-1", "S3_ACCESS_KEY", "AKIA123"),
            problems);
    assertThat(problems).isEmpty();
    assertThat(s)
        .isEqualTo(
            new Storage.S3(
                Optional.of(URI.create("https://minio.internal:9000")),
                "eu-west-1",
                "pypi-guard",
                "fleet/eu/",
                true,
                Optional.of(new Storage.Credentials("AKIA123", "s3cr3t"))));
    assertThat(s.toString()).contains("AKIA123").doesNotContain("s3cr3t");
  }

  @Test
  void s3_withoutKeys_usesTheDefaultChain_andAwsDefaults() throws Exception {
    var problems = new ArrayList<String>();
    Storage s = read("storage: {type: s3, bucket: my-bucket}\n", Map.of(), problems);
    assertThat(problems).isEmpty();
    assertThat(s)
        .isEqualTo(
            new Storage.S3(
                Optional.empty(), "us-east-1", "my-bucket", "", false, Optional.empty()));
  }

  @Test
  void noSection_isTheFileSystem() {
    ServerConfig c =
        ConfigLoader.load(
            Optional.empty(),
            new ConfigLoader.Flags(
                Optional.empty(),
                Optional.empty(),
                Optional.of(dir),
                Optional.empty(),
                Optional.empty(),
                false,
                List.of()));
    assertThat(c.storage()).isEqualTo(new Storage.FileSystem());
  }

  @Test
  void badValues_areAllReported_withFileLineAndKey() throws Exception {
    Path cfg = dir.resolve("bad.yaml");
    Files.writeString(
        cfg,
        """
        storage:
          type: s3
          endpoint: ftp://nowhere
          bucket: Not_A_Bucket
          path-style: maybe
          access-key: ${NOT_SET_ANYWHERE_42}
        """);
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    Optional.of(cfg),
                    new ConfigLoader.Flags(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(dir),
                        Optional.empty(),
                        Optional.empty(),
                        false,
                        List.of())));
    assertThat(e.getMessage())
        .contains(
            cfg
                + ":3: storage.endpoint: \"ftp://nowhere\" (expected: an http or https URL of an S3 API",
            cfg + ":4: storage.bucket: \"Not_A_Bucket\" (expected: a bucket name",
            cfg + ":5: storage.path-style: maybe (expected: true or false)",
            cfg + ":6: storage.access-key: environment variable NOT_SET_ANYWHERE_42 is not set");
    assertThat(e.getMessage().lines()).allSatisfy(l -> assertThat(l).startsWith(cfg.toString()));
  }

  @Test
  void unknownKey_namesFileLineAndKey() throws Exception {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, "storage:\n  type: s3\n  bucket: b-1\n  secret: x\n");
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    Optional.of(cfg),
                    new ConfigLoader.Flags(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(dir),
                        Optional.empty(),
                        Optional.empty(),
                        false,
                        List.of())));
    assertThat(e.getMessage())
        .startsWith(cfg + ":4: storage.secret: unknown key (expected one of: access-key");
  }

  @Test
  void halfTheCredentials_orBothFormsOfOne_areRefused() throws Exception {
    var problems = new ArrayList<String>();
    read(
        "storage: {type: s3, bucket: b-1, access-key: A, secret-key: x, secret-key-file: nope}\n",
        Map.of(),
        problems);
    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("storage.secret-key: give secret-key or secret-key-file, not both"));
    problems.clear();
    read("storage: {type: s3, bucket: b-1, secret-key-file: missing-file}\n", Map.of(), problems);
    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("storage.secret-key-file: ")
                    .contains("is not a readable file"));
  }

  @Test
  void fileSystemType_withS3Keys_isRefused() throws Exception {
    var problems = new ArrayList<String>();
    assertThat(read("storage: {type: filesystem, bucket: b-1}\n", Map.of(), problems))
        .isEqualTo(new Storage.FileSystem());
    assertThat(problems).singleElement().asString().contains("storage.bucket: only for type: s3");
    problems.clear();
    read("storage: {type: gcs}\n", Map.of(), problems);
    assertThat(problems)
        .singleElement()
        .asString()
        .contains("storage.type: \"gcs\" (expected: filesystem or s3)");
  }
}
