package dev.pypiguard.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 API server for tests: S3Proxy on loopback, port 0, keeping its objects in a directory,
 * with one bucket and one access key. It can be stopped and started again on the same port over the
 * same directory, like a store that goes away and comes back.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "test-access";
  public static final String SECRET_KEY = "test-secret-key";
  public static final String BUCKET = "pypi-guard";

  private final Path dir;
  private int port;
  private S3Proxy proxy;
  private final S3Client client;

  private S3Server(Path dir) throws Exception {
    this.dir = java.nio.file.Files.createDirectories(dir);
    this.proxy = launch(0);
    this.port = proxy.getPort();
    this.client =
        S3Client.builder()
            .endpointOverride(endpoint())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .httpClient(Apache5HttpClient.create())
            .build();
    client.createBucket(b -> b.bucket(BUCKET));
  }

  /** Starts a server keeping its objects under {@code dir}, with the bucket {@link #BUCKET}. */
  public static S3Server start(Path dir) {
    try {
      return new S3Server(dir);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy", e);
    }
  }

  private S3Proxy launch(int onPort) throws Exception {
    var props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
    props.setProperty("jclouds.identity", ACCESS_KEY);
    props.setProperty("jclouds.credential", SECRET_KEY);
    S3Proxy p =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .endpoint(URI.create("http://127.0.0.1:" + onPort))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .ignoreUnknownHeaders(true)
            .build();
    p.start();
    while (!"STARTED".equals(p.getState())) {
      Thread.sleep(10);
    }
    return p;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The config file's {@code storage:} section for this server, indented under it. */
  public String storageYaml(String prefix) {
    return "storage:\n  type: s3\n  endpoint: "
        + endpoint()
        + "\n  region: us-east-1\n  bucket: "
        + BUCKET
        + "\n  prefix: "
        + prefix
        + "\n  path-style: true\n  access-key: "
        + ACCESS_KEY
        + "\n  secret-key: "
        + SECRET_KEY
        + "\n";
  }

  /** Stops serving; the objects stay in the directory. */
  public void stop() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Serves again on the same port, over the same objects. */
  public void restart() {
    try {
      proxy = launch(port);
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart S3Proxy on port " + port, e);
    }
  }

  /** The keys in the bucket under {@code prefix}. */
  public List<String> keys(String prefix) {
    var keys = new ArrayList<String>();
    client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .forEach(keys::add);
    return keys;
  }

  /** An object's bytes. */
  public byte[] read(String key) {
    return client
        .getObject(b -> b.bucket(BUCKET).key(key), ResponseTransformer.toBytes())
        .asByteArray();
  }

  /** Replaces an object's bytes (to corrupt it). */
  public void write(String key, byte[] bytes) {
    client.putObject(
        b -> b.bucket(BUCKET).key(key),
        software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
  }

  /** The multipart uploads started and neither completed nor aborted. */
  public int pendingUploads() {
    return client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().size();
  }

  @Override
  public void close() {
    client.close();
    stop();
  }
}
