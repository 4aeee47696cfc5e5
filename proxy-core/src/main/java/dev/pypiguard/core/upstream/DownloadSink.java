package dev.pypiguard.core.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * Receives a download's body as it streams in. Methods run on the upstream client's threads, one at
 * a time, never on a Netty event loop; the next buffer is requested only after {@link #data}
 * returns, so a slow sink slows the upstream instead of filling memory.
 */
public interface DownloadSink {
  /** The upstream answered 200; {@code length} is its Content-Length when it sent one. */
  void start(OptionalLong length) throws IOException;

  void data(ByteBuffer bytes) throws IOException;

  /** The body ended normally (it may still be short: the sink checks sizes and digests). */
  void end() throws IOException;

  /** The download failed; {@code notFound} is true for HTTP 404/410. */
  void failed(String reason, boolean notFound, boolean timedOut);
}
