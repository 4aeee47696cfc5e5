package dev.pypiguard.core.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProjectNameTest {
  /** The rules as PEP 508 and PEP 503 state them, the reference the hand-written checks follow. */
  private static final Pattern VALID =
      Pattern.compile("^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$");

  private static Optional<String> reference(String raw) {
    if (raw.length() > 200 || !VALID.matcher(raw).matches()) {
      return Optional.empty();
    }
    return Optional.of(raw.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT));
  }

  @Test
  void examples() {
    assertThat(ProjectName.parse("Django_REST.framework").map(ProjectName::value))
        .contains("django-rest-framework");
    assertThat(ProjectName.parse("a--__..b").map(ProjectName::value)).contains("a-b");
    assertThat(ProjectName.parse("requests").get().value()).isSameAs("requests".intern());
    assertThat(ProjectName.parse("x").map(ProjectName::value)).contains("x");
    for (String bad : new String[] {"", "-a", "a-", ".a", "a_", "a b", "a/b", "ä", "a\u0000"}) {
      assertThat(ProjectName.parse(bad)).as(bad).isEmpty();
    }
    assertThat(ProjectName.parse("a".repeat(200))).isPresent();
    assertThat(ProjectName.parse("a".repeat(201))).isEmpty();
    assertThat(ProjectName.normalize("Ünïcode--X")).isEqualTo("ünïcode-x");
    assertThat(ProjectName.normalize("-lead")).isEqualTo("-lead");
  }

  /** Random names over the characters that matter agree with the reference, every one. */
  @Test
  void agreesWithTheReference_onRandomNames() {
    var random = new Random(15);
    String alphabet = "aZ09-_.-_.xY Ä/";
    for (int n = 0; n < 50_000; n++) {
      var sb = new StringBuilder();
      int len = random.nextInt(8);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String raw = sb.toString();
      assertThat(ProjectName.parse(raw).map(ProjectName::value)).as(raw).isEqualTo(reference(raw));
      if (reference(raw).isPresent()) {
        assertThat(ProjectName.normalize(raw)).as(raw).isEqualTo(reference(raw).get());
        assertThat(ProjectName.isNormalized(raw))
            .as(raw)
            .isEqualTo(reference(raw).get().equals(raw));
      }
    }
  }
}
