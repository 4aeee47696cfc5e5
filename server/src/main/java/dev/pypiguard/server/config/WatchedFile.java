package dev.pypiguard.server.config;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration file in force while the server runs: read at start (a bad file refuses the
 * start), then read again when its content changes. A changed file that fails to parse or validate
 * is logged and counted, and the last good value stays in force.
 *
 * <p>The file is polled and compared by content digest rather than modification time, which is
 * coarse on some file systems and unreliable on mounted config maps.
 *
 * @param <T> what the file is parsed into
 */
public final class WatchedFile<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);

  /** Parses a file's bytes; a problem is a {@link ConfigException} naming file, line and key. */
  public interface Parser<T> {
    T parse(Path file, byte[] bytes);
  }

  private final String what;
  private final Path file;
  private final Parser<T> parser;
  private final Function<T, String> version;
  private final Counter reloadOk;
  private final Counter reloadInvalid;
  private volatile T current;
  private String digest;
  private String lastError = "";
  private @Nullable ScheduledExecutorService watcher;

  /**
   * Reads {@code file} now.
   *
   * @param what what the file holds, for log lines ("policy", "tokens file")
   * @param metric the counter of reloads, tagged by outcome ({@code ok}, {@code invalid})
   * @param version a short identity of a parsed value, for log lines and reload reports
   * @throws ConfigException when the file is missing, unreadable or invalid
   */
  public WatchedFile(
      String what,
      Path file,
      Parser<T> parser,
      Function<T, String> version,
      MeterRegistry registry,
      String metric) {
    this.what = what;
    this.file = file;
    this.parser = parser;
    this.version = version;
    this.reloadOk =
        Counter.builder(metric)
            .tag("outcome", "ok")
            .description("Reloads of the " + what + " file, by outcome")
            .register(registry);
    this.reloadInvalid =
        Counter.builder(metric)
            .tag("outcome", "invalid")
            .description("Reloads of the " + what + " file, by outcome")
            .register(registry);
    byte[] bytes = read(file);
    this.current = parser.parse(file, bytes);
    this.digest = Sha256.of(bytes).hex();
  }

  private static byte[] read(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigException(f + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(f + ": cannot read: " + e.getMessage());
    }
  }

  /** The value in force. */
  public T current() {
    return current;
  }

  public Path file() {
    return file;
  }

  /** Starts polling the file every {@code periodMillis}. */
  public synchronized void watch(long periodMillis) {
    if (watcher != null) {
      return;
    }
    watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pypi-guard-watch-" + file.getFileName());
              t.setDaemon(true);
              return t;
            });
    watcher.scheduleWithFixedDelay(this::reload, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the file now and, when its content changed and is valid, puts it in force. An unchanged
   * file that was invalid last time is reported invalid again, with the same problems.
   */
  public synchronized Reload reload() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      // A file being replaced can be briefly absent; the next poll sees the new one.
      return new Reload.Invalid(file + ": cannot read: " + e.getMessage());
    }
    String d = Sha256.of(bytes).hex();
    if (d.equals(digest)) {
      return lastError.isEmpty()
          ? new Reload.Unchanged(version.apply(current))
          : new Reload.Invalid(lastError);
    }
    digest = d;
    try {
      current = parser.parse(file, bytes);
      lastError = "";
      reloadOk.increment();
      LOG.info("{} reloaded from {} ({})", what, file, version.apply(current));
      return new Reload.Reloaded(version.apply(current));
    } catch (ConfigException e) {
      lastError = String.valueOf(e.getMessage());
      reloadInvalid.increment();
      LOG.error(
          "{} file {} is invalid; keeping the last good one:\n{}", what, file, e.getMessage());
      return new Reload.Invalid(lastError);
    }
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
