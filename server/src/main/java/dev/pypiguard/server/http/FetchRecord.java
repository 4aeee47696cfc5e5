package dev.pypiguard.server.http;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code serve --record FILE} log: every file served, once, as a requirements-file line {@code
 * name==version --hash=sha256:HEX}, which {@code pypi-guard seed -r FILE} reads back to mirror
 * exactly the files pip fetched (the hash picks the file among a release's files).
 */
public final class FetchRecord implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FetchRecord.class);

  private final Path file;
  private final Executor blocking;
  private final Set<String> seen = new HashSet<>();
  private @Nullable BufferedWriter out;

  public FetchRecord(Path file, Executor blocking) {
    this.file = file;
    this.blocking = blocking;
    try {
      if (Files.isRegularFile(file)) {
        seen.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new dev.pypiguard.core.config.ConfigException(
          "--record: cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Records one served file (off the caller's thread). */
  void record(String project, String version, String sha256) {
    if (version.isEmpty()) {
      return; // no version in the name: nothing a requirements line could pin
    }
    String line = project + "==" + version + " --hash=sha256:" + sha256;
    blocking.execute(() -> append(line));
  }

  private synchronized void append(String line) {
    if (!seen.add(line)) {
      return;
    }
    try {
      if (out == null) {
        if (file.getParent() != null) {
          Files.createDirectories(file.getParent());
        }
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write(line);
      out.newLine();
      out.flush();
    } catch (IOException e) {
      LOG.error("cannot append to the record file {}: {}", file, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.warn("closing {}: {}", file, e.toString());
      }
    }
  }
}
