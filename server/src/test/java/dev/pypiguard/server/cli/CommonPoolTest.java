package dev.pypiguard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The common pool's size that {@code pypi-guard} sets at start (README "Speed"). */
class CommonPoolTest {
  @Test
  void oneOrTwoCores_getAPoolOfTwo_moreKeepTheJdksDefault() {
    for (int cores : new int[] {1, 2}) {
      var p = new Properties();
      Main.commonPoolOfTwo(p, cores);
      assertThat(p.getProperty(Main.COMMON_PARALLELISM)).as("%d cores", cores).isEqualTo("2");
    }
    var many = new Properties();
    Main.commonPoolOfTwo(many, 3);
    assertThat(many.getProperty(Main.COMMON_PARALLELISM)).isNull();
  }

  @Test
  void theOperatorsOwnSetting_wins() {
    var p = new Properties();
    p.setProperty(Main.COMMON_PARALLELISM, "1");
    Main.commonPoolOfTwo(p, 2);
    assertThat(p.getProperty(Main.COMMON_PARALLELISM)).isEqualTo("1");
  }
}
