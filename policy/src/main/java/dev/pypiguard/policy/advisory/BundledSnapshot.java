package dev.pypiguard.policy.advisory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenSSF malicious-packages records for PyPI shipped inside pypi-guard (resource {@code
 * bundled/}, with its SOURCES.md and LICENSE), spelled {@code bundled}: known-malicious releases
 * are blocked from the first start, also in an air gap (README "Advisories"). Records from other
 * sources win over these when newer ({@link AdvisoryDatabase#of} keeps the newest {@code modified}
 * of an id), so a later import refreshes it.
 */
public record BundledSnapshot() implements AdvisorySource {
  /** Its {@code --advisories} spelling. */
  public static final String SPEC = "bundled";

  private static final String DIR = "bundled/";

  /**
   * Reads every record {@code bundled/records.txt} lists (a class path cannot be listed inside a
   * jar).
   *
   * @throws IOException when a listed record is missing or unreadable: the snapshot is part of the
   *     program, and a damaged one must not quietly protect less
   */
  public List<Advisory> load() throws IOException {
    var parser = new OsvParser();
    var out = new ArrayList<Advisory>();
    for (String name :
        read("records.txt").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
      String text = read(name);
      out.add(
          parser
              .parse(describe() + "!" + name, text.getBytes(StandardCharsets.UTF_8))
              .orElseThrow(
                  () -> new IOException(describe() + ": " + name + " is not an OSV record")));
    }
    return out;
  }

  private static String read(String name) throws IOException {
    try (InputStream in = BundledSnapshot.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IOException("bundled advisory resource " + DIR + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Override
  public String describe() {
    return "bundled OpenSSF malicious-packages snapshot";
  }
}
