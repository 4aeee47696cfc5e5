package dev.pypiguard.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** No outbound request to a host the upstream does not own (SSRF through crafted pages). */
class UpstreamClientTest {
  HttpServer server;
  UpstreamClient client;
  final AtomicInteger hits = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/redirect",
        ex -> {
          hits.incrementAndGet();
          ex.getResponseHeaders()
              .add("Location", "http://127.0.0.2:" + server.getAddress().getPort() + "/x");
          ex.sendResponseHeaders(302, -1);
          ex.close();
        });
    server.createContext(
        "/x",
        ex -> {
          hits.incrementAndGet();
          byte[] b = "data".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
    client = new UpstreamClient(UpstreamClient.Settings.defaults("test"));
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  String own() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  static final class Sink implements DownloadSink {
    final AtomicReference<String> failure = new AtomicReference<>();
    final AtomicInteger bytes = new AtomicInteger();

    @Override
    public void start(OptionalLong length) {}

    @Override
    public void data(ByteBuffer b) {
      bytes.addAndGet(b.remaining());
    }

    @Override
    public void end() {}

    @Override
    public void failed(String reason, boolean notFound, boolean timedOut) {
      failure.set(reason);
    }
  }

  @Test
  void download_urlOnAnotherHost_refusedWithoutConnecting() {
    var sink = new Sink();
    client
        .download(
            URI.create("http://127.0.0.2:" + server.getAddress().getPort() + "/x"),
            Set.of(own()),
            b -> {},
            sink)
        .join();
    assertThat(sink.failure.get()).contains("not an upstream host");
    assertThat(hits).hasValue(0);
  }

  @Test
  void download_redirectToAnotherHost_refused() {
    var sink = new Sink();
    client
        .download(URI.create("http://" + own() + "/redirect"), Set.of(own()), b -> {}, sink)
        .join();
    assertThat(sink.failure.get()).contains("refused redirect");
    assertThat(hits).hasValue(1);
    assertThat(sink.bytes).hasValue(0);
  }

  @Test
  void page_redirectToAnotherHost_failed() {
    PageFetch f =
        client
            .page(
                URI.create("http://" + own() + "/redirect"),
                "text/html",
                Optional.empty(),
                Set.of(own()),
                b -> {})
            .join();
    assertThat(f).isInstanceOf(PageFetch.Failed.class);
    assertThat(((PageFetch.Failed) f).reason()).contains("refused redirect");
  }

  @Test
  void download_ownHost_streams() {
    var sink = new Sink();
    client.download(URI.create("http://" + own() + "/x"), Set.of(own()), b -> {}, sink).join();
    assertThat(sink.failure.get()).isNull();
    assertThat(sink.bytes).hasValue(4);
  }
}
