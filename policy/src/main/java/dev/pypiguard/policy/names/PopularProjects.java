package dev.pypiguard.policy.names;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The bundled list of popular projects, most downloaded first ({@code popular-projects.txt} beside
 * this class; its header names its source and how to refresh it).
 */
public final class PopularProjects {
  private static volatile @Nullable List<String> bundled;

  private PopularProjects() {}

  /** The bundled names, PEP 503-normalized, most downloaded first. */
  public static List<String> bundled() {
    List<String> b = bundled;
    if (b == null) {
      try (InputStream in = PopularProjects.class.getResourceAsStream("popular-projects.txt")) {
        if (in == null) {
          throw new IllegalStateException("popular-projects.txt is missing from the classpath");
        }
        var out = new ArrayList<String>(15_000);
        var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
          String l = line.strip();
          if (!l.isEmpty() && !l.startsWith("#")) {
            out.add(l);
          }
        }
        b = List.copyOf(out);
        bundled = b;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b;
  }
}
