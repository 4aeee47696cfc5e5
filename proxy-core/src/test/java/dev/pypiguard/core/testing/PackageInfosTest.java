package dev.pypiguard.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageInfosTest {
  @TempDir Path root;

  private void write(String rel, String text) throws Exception {
    Path f = root.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }

  @Test
  void packageWithoutInfo_orUnmarked_orWithoutJavadoc_isNamed() throws Exception {
    write("a/b/Ok.java", "package a.b; class Ok {}");
    write(
        "a/b/package-info.java",
        "/** For tests. */\n@NullMarked\npackage a.b;\n\nimport org.jspecify.annotations.NullMarked;\n");
    write("a/c/Missing.java", "package a.c; class Missing {}");
    write("a/d/Unmarked.java", "package a.d; class Unmarked {}");
    write("a/d/package-info.java", "/** For tests. */\npackage a.d;\n");
    write("a/e/Bare.java", "package a.e; class Bare {}");
    write(
        "a/e/package-info.java",
        "@NullMarked\npackage a.e;\n\nimport org.jspecify.annotations.NullMarked;\n");

    assertThat(PackageInfos.problems(root))
        .containsExactly(
            "a.c: no package-info.java (a javadoc paragraph saying what the package is for, then"
                + " @NullMarked; see any other package-info.java)",
            "a.d: package-info.java is not @NullMarked (org.jspecify.annotations.NullMarked)",
            "a.e: package-info.java has no javadoc saying what the package is for");
  }

  @Test
  void directoriesWithoutTypes_needNoInfo() throws Exception {
    Files.createDirectories(root.resolve("dev/pypiguard"));
    write(
        "dev/pypiguard/x/package-info.java",
        "/** For tests. */\n@NullMarked\npackage dev.pypiguard.x;\n\nimport org.jspecify.annotations.NullMarked;\n");
    write("dev/pypiguard/x/X.java", "package dev.pypiguard.x; class X {}");
    assertThat(PackageInfos.problems(root)).isEmpty();
  }
}
