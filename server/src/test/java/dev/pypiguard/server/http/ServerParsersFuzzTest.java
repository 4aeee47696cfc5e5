package dev.pypiguard.server.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.server.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Issue 14: the server's parsers of what clients and operators send, fuzzed with Jazzer: request
 * targets (path and query), Range and Accept-Encoding headers, log escaping, and the config file.
 * The first byte picks the parser (0 target, 1 Range, 2 Accept-Encoding and log line, 3 config
 * YAML); each answers or refuses with its documented exception. Seeds: {@code
 * ServerParsersFuzzTestInputs/parse/}. README, "Fuzzing".
 */
class ServerParsersFuzzTest {
  private static Path dir;
  private static Path config;

  @BeforeAll
  static void files() throws IOException {
    dir = Files.createTempDirectory("fuzz-config");
    config = dir.resolve("pypi-guard.yaml");
  }

  @AfterAll
  static void clean() throws IOException {
    Files.deleteIfExists(config);
    Files.deleteIfExists(dir);
  }

  @FuzzTest(maxDuration = "5s")
  void parse(byte[] data) throws IOException {
    if (data.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    String text = new String(body, StandardCharsets.ISO_8859_1);
    switch (Math.floorMod(data[0], 4)) {
      case 0 -> {
        RequestPath.parse(text)
            .ifPresent(
                p -> {
                  p.query("format");
                  p.segments().forEach(RequestPath::encode);
                });
        // Every target has a route with a label (issue 12), whatever the method.
        for (var method :
            List.of(
                io.netty.handler.codec.http.HttpMethod.GET,
                io.netty.handler.codec.http.HttpMethod.POST)) {
          if (Router.parse(method, text).label().isEmpty()) {
            throw new IllegalStateException("a route without a label for " + text);
          }
        }
      }
      case 1 -> {
        long length = body.length == 0 ? 0 : (body[0] & 0xff) * 1000L;
        if (ByteRange.parse(text, length) instanceof ByteRange.Part part
            && (part.range().start() < 0
                || part.range().end() >= length
                || part.range().length() <= 0)) {
          throw new IllegalStateException("range outside the file: " + part + " of " + length);
        }
      }
      case 2 -> {
        RequestHandler.acceptsGzip(text);
        String logged = AccessLog.clean(text);
        if (logged.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
          throw new IllegalStateException("a control character reached a log line");
        }
      }
      default -> {
        Files.write(config, body);
        try {
          ConfigLoader.load(
              Optional.of(config),
              new ConfigLoader.Flags(
                  Optional.empty(),
                  Optional.empty(),
                  Optional.of(dir.resolve("cache")),
                  Optional.empty(),
                  Optional.empty(),
                  false,
                  List.of()),
              name -> null);
        } catch (ConfigException expected) {
          // refused with file, line, key and reason
        }
      }
    }
  }
}
