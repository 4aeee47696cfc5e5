package dev.pypiguard.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.config.YamlDocument;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.MalformedPageException;
import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.version.InvalidSpecifierException;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.core.version.Version;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Issue 14: every core parser that reads outside input, fuzzed with Jazzer. The first byte picks
 * the parser, the rest is its input; each either answers or refuses with its documented exception,
 * and nothing else escapes. Seeds: {@code CoreParsersFuzzTestInputs/parse/} in test resources
 * (first byte: 0 JSON page or index, 1 HTML page or index, 2 file name, 3 version and specifier, 4
 * Accept header, 5 YAML, 6 project name and glob). README, "Fuzzing".
 */
class CoreParsersFuzzTest {
  private static final URI PAGE = URI.create("https://pypi.example/simple/demo/");

  @FuzzTest(maxDuration = "5s")
  void parse(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    String text = new String(body, StandardCharsets.UTF_8);
    switch (Math.floorMod(data[0], 7)) {
      case 0 -> {
        try {
          ProjectPage page = SimpleJson.parsePage(body, PAGE);
          SimpleJson.render(page);
          SimpleHtml.render(page);
        } catch (MalformedPageException expected) {
          // refused with a reason
        }
        try {
          SimpleJson.render(SimpleJson.parseIndex(body));
        } catch (MalformedPageException expected) {
          // refused with a reason
        }
      }
      case 1 -> {
        try {
          ProjectPage page = SimpleHtml.parsePage(body, PAGE, "demo");
          SimpleJson.render(page);
          SimpleHtml.render(page);
          SimpleHtml.render(SimpleHtml.parseIndex(body));
        } catch (MalformedPageException expected) {
          // refused with a reason
        }
      }
      case 2 -> {
        DistributionFilename.parse(text).ifPresent(f -> f.version());
        DistributionFilename.parse(text, new ProjectName("demo"));
      }
      case 3 -> {
        int cut = text.indexOf('\n');
        String v = cut < 0 ? text : text.substring(0, cut);
        String spec = cut < 0 ? "" : text.substring(cut + 1);
        Optional<Version> version = Version.tryParse(v);
        version.ifPresent(x -> x.compareTo(Version.tryParse("1.0").orElseThrow()));
        try {
          SpecifierSet set = SpecifierSet.parse(spec);
          version.ifPresent(set::contains);
          set.contains(v);
        } catch (InvalidSpecifierException expected) {
          // refused with a reason
        }
      }
      case 4 -> {
        int cut = text.indexOf('\n');
        Negotiation.choose(
            cut < 0 ? text : text.substring(0, cut),
            cut < 0 ? Optional.empty() : Optional.of(text.substring(cut + 1)));
        Negotiation.ofContentType(text);
      }
      case 5 -> {
        try {
          YamlDocument.parse("fuzz.yaml", text).root();
        } catch (ConfigException expected) {
          // refused with file, line and reason
        }
      }
      default -> {
        ProjectName.parse(text);
        try {
          Glob.parse(text).matches("demo-project");
        } catch (IllegalArgumentException expected) {
          // not a glob, with a reason
        }
      }
    }
  }
}
