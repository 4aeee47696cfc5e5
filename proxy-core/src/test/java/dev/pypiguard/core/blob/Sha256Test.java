package dev.pypiguard.core.blob;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Sha256Test {
  /** sha256("abc"), FIPS 180-2 appendix B.1. */
  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void of_knownInput_givesTheStandardDigest() {
    assertThat(Sha256.of("abc".getBytes(UTF_8)).hex()).isEqualTo(ABC);
  }

  @Test
  void parse_upperCase_isLowered() {
    assertThat(Sha256.parse(ABC.toUpperCase(java.util.Locale.ROOT)))
        .hasValueSatisfying(s -> assertThat(s.hex()).isEqualTo(ABC));
    assertThat(Sha256.parse(null)).isEmpty();
  }

  /** Each is one character or one length away from a digest; the edges of 0-9 and a-f included. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a/",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a:",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a`",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001 ad",
        "../816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015\u0660d"
      })
  void notADigest_isRefusedByParseAndTheConstructor(String s) {
    assertThat(Sha256.parse(s)).isEmpty();
    assertThatThrownBy(() -> new Sha256(s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 lower-case hex digits");
  }

  @Test
  void constructor_upperCase_isRefused() {
    assertThatThrownBy(() -> new Sha256(ABC.toUpperCase(java.util.Locale.ROOT)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Sha256(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
