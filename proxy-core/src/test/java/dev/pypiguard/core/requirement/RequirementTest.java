package dev.pypiguard.core.requirement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PEP 508 dependency specifiers and environment markers. */
class RequirementTest {
  /** CPython 3.11 on x86-64 Linux, as a seed target for that platform fixes it. */
  private static final Map<String, String> PY311_LINUX =
      Map.of(
          "python_version",
          "3.11",
          "python_full_version",
          "3.11.0",
          "implementation_name",
          "cpython",
          "platform_python_implementation",
          "CPython",
          "sys_platform",
          "linux",
          "platform_system",
          "Linux",
          "os_name",
          "posix",
          "platform_machine",
          "x86_64");

  /** CPython 3.8 on 64-bit Windows. */
  private static final Map<String, String> PY38_WIN =
      Map.of(
          "python_version",
          "3.8",
          "python_full_version",
          "3.8.0",
          "implementation_name",
          "cpython",
          "platform_python_implementation",
          "CPython",
          "sys_platform",
          "win32",
          "platform_system",
          "Windows",
          "os_name",
          "nt",
          "platform_machine",
          "AMD64");

  @Test
  void parse_requiresDistWithParenthesesAndExtraMarker_parsed() {
    Requirement r = Requirement.parse("Beta (>=1.0,<2) ; extra == 'Socks'", "x");
    assertThat(r.name().value()).isEqualTo("beta");
    assertThat(r.specifier().contains("1.5")).isTrue();
    assertThat(r.specifier().contains("2.0")).isFalse();
    assertThat(r.origin()).isEqualTo("x");
    assertThat(r.marker().orElseThrow().keeps(new Marker.Environment(PY311_LINUX, Set.of("socks"))))
        .isTrue();
    assertThat(r.marker().orElseThrow().keeps(new Marker.Environment(PY311_LINUX, Set.of())))
        .isFalse();
  }

  @Test
  void parse_extrasAndHashes_normalized() {
    Requirement r =
        Requirement.parse("Alpha[Fast_Extra, b]==1.0", "req.txt:3").withHashes(Set.of("ab"));
    assertThat(r.extras()).containsExactlyInAnyOrder("fast-extra", "b");
    assertThat(r.hashes()).containsExactly("ab");
    assertThat(Requirement.parse("Alpha[Fast_Extra]==1.0", "x"))
        .hasToString("alpha[fast-extra]==1.0");
  }

  @Test
  void parse_directUrlOrBadSpecifier_refused() {
    assertThatThrownBy(() -> Requirement.parse("alpha @ https://example.invalid/a.whl", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("direct URL");
    assertThatThrownBy(() -> Requirement.parse("alpha >=> 1", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid version specifier");
  }

  @Test
  void evaluate_markersPerEnvironment_expectedTruth() {
    var py311linux = new Marker.Environment(PY311_LINUX, Set.of());
    var py38win = new Marker.Environment(PY38_WIN, Set.of());
    var unknown = new Marker.Environment(Map.of(), Set.of());
    Map<String, boolean[]> cases =
        Map.of(
            "python_version >= \"3.9\"", new boolean[] {true, false, true},
            "python_full_version < '3.11.1' and sys_platform == 'linux'",
                new boolean[] {true, false, true},
            "os_name == 'nt' or platform_machine == 'x86_64'", new boolean[] {true, true, true},
            "platform_system != \"Windows\"", new boolean[] {true, false, true},
            "implementation_name == 'pypy'", new boolean[] {false, false, true},
            "'linux' in sys_platform", new boolean[] {true, false, true},
            "(python_version < '3.9') and extra == 'x'", new boolean[] {false, false, false});
    cases.forEach(
        (text, expected) -> {
          Marker m = Marker.parse(text);
          assertThat(new boolean[] {m.keeps(py311linux), m.keeps(py38win), m.keeps(unknown)})
              .as(text)
              .isEqualTo(expected);
        });
  }

  @Test
  void parse_badMarker_refused() {
    assertThatThrownBy(() -> Marker.parse("python_version >> '3'"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Marker.parse("color == 'red'"))
        .hasMessageContaining("unknown marker variable");
  }
}
