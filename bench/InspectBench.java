import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.Inspector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Inspection cost: the time the Inspector takes per MB of wheel and of sdist, over every
 * distribution under the given directories (see bench/inspect.sh). One warm-up pass, then one
 * measured pass; files are read from the page cache by then, so this is the CPU cost.
 */
public class InspectBench {
  public static void main(String[] args) throws Exception {
    var files = new ArrayList<Path>();
    for (String a : args) {
      try (Stream<Path> s = Files.walk(Path.of(a))) {
        s.filter(Files::isRegularFile).filter(p -> {
          String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
          return n.endsWith(".whl") || n.endsWith(".tar.gz") || n.endsWith(".zip") || n.endsWith(".tar.bz2");
        }).forEach(files::add);
      }
    }
    var inspector = new Inspector();
    pass(inspector, files, false);
    pass(inspector, files, true);
  }

  static void pass(Inspector inspector, List<Path> files, boolean print) throws Exception {
    long[] bytes = new long[2];
    long[] nanos = new long[2];
    int[] count = new int[2];
    long worst = 0;
    Path worstFile = null;
    for (Path f : files) {
      long size = Files.size(f);
      long t0 = System.nanoTime();
      Inspection i = inspector.inspect(f, Optional.of(f.getFileName().toString()));
      long t = System.nanoTime() - t0;
      int k = i.kind() == Inspection.Kind.WHEEL ? 0 : 1;
      bytes[k] += size;
      nanos[k] += t;
      count[k]++;
      if (t > worst) {
        worst = t;
        worstFile = f;
      }
    }
    if (!print) {
      return;
    }
    String[] kinds = {"wheels", "sdists and others"};
    for (int k = 0; k < 2; k++) {
      double mb = bytes[k] / 1e6;
      double ms = nanos[k] / 1e6;
      System.out.printf(Locale.ROOT, "%-18s %5d files %9.1f MB %9.0f ms  %6.2f ms/MB  %7.1f MB/s%n", kinds[k], count[k],
          mb, ms, mb == 0 ? 0 : ms / mb, ms == 0 ? 0 : mb / (ms / 1000));
    }
    System.out.printf(Locale.ROOT, "slowest: %s %.0f ms (%.1f MB)%n", worstFile.getFileName(), worst / 1e6,
        Files.size(worstFile) / 1e6);
  }
}
