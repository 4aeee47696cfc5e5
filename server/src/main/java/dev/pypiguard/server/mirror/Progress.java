package dev.pypiguard.server.mirror;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Reports seed progress: a redrawn bar on a terminal, one plain line per file otherwise (logs, CI),
 * so that piped output stays readable.
 */
final class Progress {
  private final PrintWriter out;
  private final boolean terminal;
  private int total;
  private int done;
  private long bytes;

  Progress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  synchronized void planned(int files) {
    total += files;
    draw();
  }

  synchronized void file(String filename, long size, boolean cached) {
    done++;
    bytes += cached ? 0 : size;
    if (terminal) {
      draw();
    } else {
      out.printf("%s %s (%s)%n", cached ? "cached " : "fetched", filename, human(size));
      out.flush();
    }
  }

  synchronized void note(String message) {
    if (terminal) {
      out.print("\r\033[K");
    }
    out.println(message);
    draw();
  }

  synchronized void finish() {
    if (terminal) {
      out.println();
      out.flush();
    }
  }

  private void draw() {
    if (!terminal || total == 0) {
      out.flush();
      return;
    }
    int width = 30;
    int filled = (int) ((long) width * done / total);
    out.printf(
        "\r[%s%s] %d/%d files, %s fetched",
        "#".repeat(filled), ".".repeat(width - filled), done, total, human(bytes));
    out.flush();
  }

  static String human(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    String[] units = {"kB", "MB", "GB", "TB"};
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
