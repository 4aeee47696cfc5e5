package dev.pypiguard.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.testing.PackageInfos;
import org.junit.jupiter.api.Test;

/** Every package of this module's main code has a package-info.java with @NullMarked (NullAway). */
class NullMarkedPackagesTest {
  @Test
  void everyMainPackage_isDocumentedAndNullMarked() {
    assertThat(PackageInfos.problems(PackageInfos.mainSources())).isEmpty();
  }
}
