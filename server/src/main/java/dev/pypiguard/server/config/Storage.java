package dev.pypiguard.server.config;

import java.net.URI;
import java.util.Optional;

/**
 * Where artifacts and shared records live: the config's {@code storage:} section.
 *
 * <p>{@link FileSystem} (the default) keeps everything under {@code cache-dir}, for one replica.
 * {@link S3} shares one S3-compatible bucket between replicas, each of which keeps its own {@code
 * cache-dir} as a local tier.
 */
public sealed interface Storage permits Storage.FileSystem, Storage.S3 {

  /** Everything under {@code cache-dir}. */
  record FileSystem() implements Storage {}

  /**
   * An S3-compatible bucket.
   *
   * @param endpoint the S3 API's URL; empty for AWS's own endpoint of the region
   * @param region the signing region ({@code us-east-1} for most non-AWS servers)
   * @param bucket the bucket, which must exist
   * @param prefix prepended to every key: empty, or ending in {@code /}
   * @param pathStyle {@code https://host/bucket/key} rather than {@code https://bucket.host/key}
   * @param credentials the access and secret keys; empty: the SDK's default chain ({@code
   *     AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles)
   */
  record S3(
      Optional<URI> endpoint,
      String region,
      String bucket,
      String prefix,
      boolean pathStyle,
      Optional<Credentials> credentials)
      implements Storage {

    /** {@code s3://bucket/prefix at endpoint}, for logs: never the keys. */
    public String describe() {
      return "s3://" + bucket + "/" + prefix + endpoint.map(e -> " at " + e).orElse("");
    }
  }

  /** An access key and its secret; the secret never appears in {@link #toString}. */
  record Credentials(String accessKey, String secretKey) {
    @Override
    public String toString() {
      return "Credentials[accessKey=" + accessKey + ", secretKey=(hidden)]";
    }
  }
}
