package dev.pypiguard.server.storage;

import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.store.ObjectStore;
import dev.pypiguard.server.config.Storage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An {@link ObjectStore} in an S3-compatible bucket, through the AWS SDK's blocking client over
 * Apache HttpClient 5 (not the SDK's Netty client, whose Netty version would have to match ours).
 *
 * <p>Large files go up as multipart uploads, one bounded part at a time read straight from the
 * file: nothing is visible until CompleteMultipartUpload, and an upload that dies first (the
 * process killed, the store gone) never becomes an object. {@link #create} sends {@code
 * If-None-Match: *} (S3 since 2024, MinIO, S3Proxy); a server that refuses the header is asked
 * without it from then on, and the value read back after the write is the one answered.
 *
 * <p>Every request is timed in {@code pypiguard_store_requests_seconds{op, outcome}}; a network
 * error or a 5xx marks the store unreachable until a request or the background probe (a HEAD of the
 * bucket every 2 seconds) gets through again.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

  /** Part size of multipart uploads: the memory an upload needs is one part's read buffer. */
  static final long PART = 16L * 1024 * 1024;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final String name;
  private final MeterRegistry registry;
  private final ScheduledExecutorService probe;
  private volatile boolean reachable = true;
  private volatile String lastError = "";
  private volatile Instant since = Instant.now();
  private volatile boolean conditional = true;
  private volatile Runnable onReachable = () -> {};

  private S3ObjectStore(S3Client s3, Storage.S3 config, MeterRegistry registry) {
    this.s3 = s3;
    this.bucket = config.bucket();
    this.prefix = config.prefix();
    this.name = config.describe();
    this.registry = registry;
    this.probe =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pypi-guard-store-probe");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Connects to the bucket. A missing bucket or refused credentials are a {@link ConfigException};
   * an unreachable server is not: the replica starts, serves its local tier, and reports the store
   * unreachable until it answers.
   */
  public static S3ObjectStore open(Storage.S3 config, MeterRegistry registry) {
    AwsCredentialsProvider credentials =
        config
            .credentials()
            .<AwsCredentialsProvider>map(
                c ->
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(c.accessKey(), c.secretKey())))
            .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    try {
      credentials.resolveCredentials();
    } catch (SdkException e) {
      throw new ConfigException(
          "storage: no credentials for "
              + config.describe()
              + ": give access-key and secret-key (or their -file forms), or set AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY");
    }
    var builder =
        S3Client.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials)
            .forcePathStyle(config.pathStyle())
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .maxConnections(128)
                    .connectionTimeout(Duration.ofSeconds(3))
                    .socketTimeout(Duration.ofSeconds(30)))
            .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(2)));
    config.endpoint().ifPresent(builder::endpointOverride);
    S3Client client;
    try {
      client = builder.build();
    } catch (SdkException e) {
      throw new ConfigException("storage: cannot use " + config.describe() + ": " + e.getMessage());
    }
    var store = new S3ObjectStore(client, config, registry);
    try {
      store.check();
    } catch (ConfigException e) {
      store.close();
      throw e;
    }
    store.probe.scheduleWithFixedDelay(store::probeOnce, 2, 2, TimeUnit.SECONDS);
    return store;
  }

  /** Asks for the bucket once, at start: answers that no retry can fix stop the server. */
  private void check() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      reached();
    } catch (S3Exception e) {
      int status = e.statusCode();
      if (status == 404) {
        throw new ConfigException("storage.bucket: " + name + " does not exist (create it first)");
      }
      if (status == 403 || status == 401) {
        throw new ConfigException(
            "storage: "
                + name
                + " refused the credentials (HTTP "
                + status
                + "): check access-key and secret-key, or the AWS environment variables");
      }
      failed(e);
    } catch (SdkException e) {
      failed(e);
    }
  }

  private void probeOnce() {
    try {
      timed("probe", () -> s3.headBucket(b -> b.bucket(bucket)));
    } catch (IOException e) {
      // failed() has recorded it
    } catch (RuntimeException e) {
      LOG.debug("storage probe", e);
    }
  }

  /** One line for {@code /healthz}. */
  public String health() {
    return reachable
        ? "storage " + name + ": reachable"
        : "storage "
            + name
            + ": unreachable since "
            + since
            + ": "
            + lastError
            + " (serving what the local tier holds)";
  }

  @Override
  public boolean reachable() {
    return reachable;
  }

  private String key(String k) {
    return prefix + k;
  }

  @Override
  public Optional<byte[]> read(String k) throws IOException {
    return timed(
        "get",
        () -> {
          try {
            return Optional.of(
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(k))).asByteArray());
          } catch (NoSuchKeyException e) {
            return Optional.empty();
          }
        });
  }

  @Override
  public Optional<Body> open(String k) throws IOException {
    return timed(
        "get",
        () -> {
          try {
            ResponseInputStream<GetObjectResponse> in =
                s3.getObject(b -> b.bucket(bucket).key(key(k)));
            return Optional.of(new Body(in.response().contentLength(), in));
          } catch (NoSuchKeyException e) {
            return Optional.empty();
          }
        });
  }

  @Override
  public boolean exists(String k) throws IOException {
    return timed(
        "head",
        () -> {
          try {
            s3.headObject(b -> b.bucket(bucket).key(key(k)));
            return true;
          } catch (NoSuchKeyException e) {
            return false;
          } catch (S3Exception e) {
            if (e.statusCode() == 404) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public List<String> list(String p) throws IOException {
    return timed(
        "list",
        () ->
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(key(p))).contents().stream()
                .map(o -> o.key().substring(prefix.length()))
                .toList());
  }

  @Override
  public void write(String k, byte[] content) throws IOException {
    timed(
        "put",
        () -> s3.putObject(b -> b.bucket(bucket).key(key(k)), RequestBody.fromBytes(content)));
  }

  @Override
  public byte[] create(String k, byte[] content) throws IOException {
    Optional<byte[]> earlier = read(k);
    if (earlier.isPresent()) {
      return earlier.get();
    }
    // 412: another replica wrote it first; 409: it was being written meanwhile.
    boolean written =
        ignoringExisting(
            () ->
                timed(
                    "put",
                    () ->
                        s3.putObject(
                            b -> {
                              b.bucket(bucket).key(key(k));
                              if (conditional) {
                                b.ifNoneMatch("*");
                              }
                            },
                            RequestBody.fromBytes(content))));
    if (written && conditional) {
      return content; // the store checked that this writer was first
    }
    return read(k).orElse(content);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Callers upload content-addressed objects only, so an object already there holds the same
   * bytes: with conditional writes, a second replica's upload finishes as a no-op (412).
   */
  @Override
  public void upload(String k, Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size <= PART) {
        ignoringExisting(
            () ->
                timed(
                    "put",
                    () ->
                        s3.putObject(
                            b -> {
                              b.bucket(bucket).key(key(k)).contentLength(size);
                              if (conditional) {
                                b.ifNoneMatch("*");
                              }
                            },
                            RequestBody.fromContentProvider(
                                () -> new Slice(ch, 0, size), size, "application/octet-stream"))));
        return;
      }
      String id =
          timed(
              "multipart-start",
              () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key(k))).uploadId());
      try {
        List<CompletedPart> parts = new ArrayList<>();
        for (long off = 0; off < size; off += PART) {
          int n = parts.size() + 1;
          long start = off;
          long len = Math.min(PART, size - off);
          String etag =
              timed(
                  "multipart-part",
                  () ->
                      s3.uploadPart(
                              b ->
                                  b.bucket(bucket)
                                      .key(key(k))
                                      .uploadId(id)
                                      .partNumber(n)
                                      .contentLength(len),
                              RequestBody.fromContentProvider(
                                  () -> new Slice(ch, start, len), len, "application/octet-stream"))
                          .eTag());
          parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        boolean written =
            ignoringExisting(
                () ->
                    timed(
                        "multipart-complete",
                        () ->
                            s3.completeMultipartUpload(
                                b -> {
                                  b.bucket(bucket)
                                      .key(key(k))
                                      .uploadId(id)
                                      .multipartUpload(m -> m.parts(parts));
                                  if (conditional) {
                                    b.ifNoneMatch("*");
                                  }
                                })));
        if (!written) {
          // Another replica completed the same content first; this upload's parts are garbage.
          abort(k, id);
        }
      } catch (IOException | RuntimeException e) {
        abort(k, id);
        throw e;
      }
    }
  }

  private void abort(String k, String id) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(key(k)).uploadId(id));
    } catch (SdkException ignored) {
      // A lifecycle rule (AbortIncompleteMultipartUpload) removes what is left.
    }
  }

  /**
   * Runs a conditional write of content-addressed bytes: false when the object was there already,
   * which is as good.
   */
  private boolean ignoringExisting(Call<?> write) throws IOException {
    try {
      write.run();
      return true;
    } catch (IOException e) {
      if (refusesConditions(e)) {
        write.run();
        return true;
      }
      if (!(e.getCause() instanceof S3Exception s)
          || s.statusCode() != 412 && s.statusCode() != 409) {
        throw e;
      }
      return false;
    }
  }

  /** True (once) when the server refused a conditional write's header: later writes go without. */
  private boolean refusesConditions(IOException e) {
    if (conditional
        && e.getCause() instanceof S3Exception s
        && (s.statusCode() == 501 || s.statusCode() == 400)) {
      LOG.warn(
          "storage: {} refuses conditional writes ({}); writing without them",
          name,
          s.getMessage());
      conditional = false;
      return true;
    }
    return false;
  }

  @Override
  public void delete(String k) throws IOException {
    timed("delete", () -> s3.deleteObject(b -> b.bucket(bucket).key(key(k))));
  }

  private interface Call<T> {
    T run() throws IOException;
  }

  /** Runs one request, timing it and following the store's reachability. */
  private <T> T timed(String op, Call<T> call) throws IOException {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T result = call.run();
      outcome =
          result instanceof Optional<?> o && o.isEmpty() || Boolean.FALSE.equals(result)
              ? "missing"
              : "ok";
      reached();
      return result;
    } catch (S3Exception e) {
      if (e.statusCode() >= 500) {
        failed(e);
      } else {
        outcome = "rejected";
        reached();
      }
      throw new IOException(
          name
              + ": "
              + op
              + " answered HTTP "
              + e.statusCode()
              + ": "
              + e.awsErrorDetails().errorMessage(),
          e);
    } catch (SdkException e) {
      failed(e);
      throw new IOException(name + " is unreachable: " + e.getMessage(), e);
    } finally {
      Timer.builder("pypiguard.store.requests")
          .description("Requests to the shared object store")
          .tag("op", op)
          .tag("outcome", outcome)
          .register(registry)
          .record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private void reached() {
    if (!reachable) {
      LOG.info("storage: {} is reachable again", name);
      since = Instant.now();
      reachable = true;
      onReachable.run();
    }
  }

  /** Runs {@code action} (briefly: it must not block) each time the store answers again. */
  public void onReachableAgain(Runnable action) {
    this.onReachable = action;
  }

  private void failed(Exception e) {
    lastError = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    if (reachable) {
      LOG.warn(
          "storage: {} is unreachable: {}; serving what the local tier holds until it answers",
          name,
          lastError);
      since = Instant.now();
    }
    reachable = false;
  }

  @Override
  public void close() {
    probe.shutdownNow();
    s3.close();
  }

  /** A part of a file, read with positional reads so parts and retries never share a position. */
  private static final class Slice extends InputStream {
    private final FileChannel ch;
    private long pos;
    private final long end;

    Slice(FileChannel ch, long start, long len) {
      this.ch = ch;
      this.pos = start;
      this.end = start + len;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= end) {
        return -1;
      }
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
      if (n < 0) {
        throw new IOException("file shrank while uploading");
      }
      pos += n;
      return n;
    }
  }
}
