package dev.pypiguard.server.http;

import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.policy.BaselineJudge;
import dev.pypiguard.policy.JudgedPage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pieces of a cached page hit (README "Speed"): content negotiation (parsed, and memoized as
 * the fast path does), the rendered-page look-up, building the reply, and for comparison what a
 * miss costs: judging and rendering the page. Run with bench/jmh/run.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PagePathBenchmark {
  /** What pip 26 sends for a simple page. */
  static final String PIP_ACCEPT =
      "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

  @Param({"100", "5000"})
  public int files;

  private ProjectPage page;
  private JudgedPage judged;
  private RenderedPages rendered;
  private RenderedPages.Rendered hit;
  private PageReplies replies;
  private final String pageVersion = "3f".repeat(32);

  @Setup
  public void setUp() {
    var json = new StringBuilder("{\"meta\": {\"api-version\": \"1.1\"}, \"name\": \"benchpkg\", \"files\": [");
    for (int i = 0; i < files; i++) {
      String name = "benchpkg-1." + i + "-py3-none-any.whl";
      json.append(i == 0 ? "" : ",").append("{\"filename\": \"").append(name)
          .append("\", \"url\": \"../../files/").append(name)
          .append("\", \"hashes\": {\"sha256\": \"").append("ab".repeat(32))
          .append("\"}, \"requires-python\": \">=3.8\", \"size\": ").append(1000 + i)
          .append(", \"upload-time\": \"2020-01-01T00:00:00Z\"}");
    }
    json.append("]}");
    page = SimpleJson.parsePage(json.toString().getBytes(StandardCharsets.UTF_8),
        URI.create("http://upstream.invalid/simple/benchpkg/"));
    judged = BaselineJudge.INSTANCE.judge("pypi", page);
    rendered = new RenderedPages();
    replies = rendered.replies;
    hit = rendered.project("pypi", "benchpkg", pageVersion, "v1", SimpleFormat.JSON_V1,
        "http://127.0.0.1:8080", dev.pypiguard.policy.Policy.BlockedFiles.HIDE, () -> judged);
  }

  @Benchmark
  public Optional<SimpleFormat> negotiateParsed() {
    return Negotiation.choose(PIP_ACCEPT, Optional.empty());
  }

  @Benchmark
  public Optional<SimpleFormat> negotiateMemoized() {
    return replies.negotiate(PIP_ACCEPT, Optional.empty());
  }

  @Benchmark
  public boolean acceptsGzipMemoized() {
    return replies.acceptsGzip("gzip, deflate, br");
  }

  @Benchmark
  public Optional<RenderedPages.Rendered> lookup() {
    return rendered.cached("pypi", "benchpkg", pageVersion, "v1", SimpleFormat.JSON_V1, "http://127.0.0.1:8080");
  }

  @Benchmark
  public Object reply() {
    var r = replies.reply(hit, SimpleFormat.JSON_V1).response(true);
    r.release();
    return r;
  }

  @Benchmark
  public JudgedPage judge() {
    return BaselineJudge.INSTANCE.judge("pypi", page);
  }

  @Benchmark
  public byte[] renderJson() {
    return SimpleJson.render(page);
  }

  @Benchmark
  public byte[] renderHtml() {
    return SimpleHtml.render(page);
  }
}
