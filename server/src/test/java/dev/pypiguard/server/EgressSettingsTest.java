package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.upstream.Upstream;
import dev.pypiguard.server.config.ServerConfig;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code egress.no-proxy}: exact hosts and {@code .suffix} domains go direct, nothing else. */
class EgressSettingsTest {
  @Test
  void noProxy_exactHostAndDotSuffix_goDirect_lookAlikesDoNot() {
    var egress =
        new ServerConfig.Egress(
            Optional.of(URI.create("http://proxy.corp:3128")),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            List.of("pypi.mycorp.example", ".internal.example"));
    var selector =
        EgressSettings.settings(
                egress, new Upstream.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)), "test")
            .proxy()
            .orElseThrow();
    assertThat(selector.select(URI.create("https://pypi.mycorp.example/simple/")))
        .containsExactly(Proxy.NO_PROXY);
    assertThat(selector.select(URI.create("https://files.internal.example/x")))
        .containsExactly(Proxy.NO_PROXY);
    for (String elsewhere :
        List.of(
            "https://pypi.org/simple/",
            "https://internal.example.evil.com/",
            "https://evilinternal.example/",
            "https://pypi.mycorp.example.evil.com/")) {
      assertThat(selector.select(URI.create(elsewhere)))
          .as(elsewhere)
          .singleElement()
          .satisfies(p -> assertThat(p.type()).isEqualTo(Proxy.Type.HTTP));
    }
  }
}
