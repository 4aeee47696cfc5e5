package dev.pypiguard.server.cli;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.project.DistributionFilename;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.simple.FileEntry;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.policy.Decision;
import dev.pypiguard.policy.FileDecision;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.inspection.Finding;
import dev.pypiguard.policy.inspection.Inspection;
import dev.pypiguard.policy.inspection.InspectionPolicy;
import dev.pypiguard.policy.inspection.Inspector;
import dev.pypiguard.policy.rule.InMemoryFirstSeen;
import dev.pypiguard.policy.rule.InspectionRule;
import dev.pypiguard.policy.rule.Inspections;
import dev.pypiguard.policy.rule.LookalikeRule;
import dev.pypiguard.policy.rule.PolicyJudge;
import dev.pypiguard.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pypi-guard check --file PATH|URL}: inspects one wheel or sdist as the server does when it
 * stores it, and judges it by the policy's {@code inspection} and {@code lookalikes} rules (the
 * recommended inspection rules when the policy has none: high findings block, others warn).
 */
final class FileCheck {
  /** The largest file fetched from a URL. */
  static final long MAX_BYTES = 4L << 30;

  private FileCheck() {}

  /** Prints the file's findings and decision; returns whether it is allowed. */
  static boolean check(PrintWriter out, String target, Policy policy, ServerConfig cfg) {
    boolean url = target.startsWith("http://") || target.startsWith("https://");
    Path file;
    Optional<Path> temp = Optional.empty();
    String filename;
    try {
      if (url) {
        URI u;
        try {
          u = URI.create(target);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              "--file: \"" + target + "\" (expected: a path or an http(s) URL)");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        filename =
            URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        temp = Optional.of(Files.createTempFile("pypi-guard-check", ".dist"));
        file = temp.get();
        download(u, file, cfg);
      } else {
        file = Path.of(target);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
          throw new ConfigException("--file: " + target + " is not a readable file");
        }
        filename = file.getFileName().toString();
      }
      String sha = sha256(file);
      Inspection inspection = new Inspector().inspect(file, Optional.of(filename));
      return report(out, target, filename, sha, inspection, policy);
    } catch (IOException e) {
      throw new ConfigException("--file: " + target + ": " + e.getMessage());
    } finally {
      temp.ifPresent(t -> t.toFile().delete());
    }
  }

  private static void download(URI u, Path to, ServerConfig cfg) throws IOException {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(cfg.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    HttpRequest req =
        HttpRequest.newBuilder(u)
            .timeout(java.time.Duration.ofMinutes(10))
            .header("User-Agent", "pypi-guard-check/" + dev.pypiguard.server.BuildInfo.current())
            .build();
    try {
      HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body();
          OutputStream o = Files.newOutputStream(to)) {
        if (r.statusCode() != 200) {
          throw new IOException("HTTP " + r.statusCode());
        }
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
          total += n;
          if (total > MAX_BYTES) {
            throw new IOException("larger than " + MAX_BYTES + " bytes");
          }
          o.write(buf, 0, n);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return Sha256.parse(java.util.HexFormat.of().formatHex(md.digest())).orElseThrow().hex();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean report(
      PrintWriter out, String target, String filename, String sha, Inspection i, Policy policy) {
    InspectionPolicy rules =
        policy.inspection().active() ? policy.inspection() : new InspectionPolicy(true, Map.of());
    Optional<DistributionFilename> d = DistributionFilename.parse(filename);
    String project =
        d.map(x -> x.project().value())
            .or(() -> i.name().map(ProjectName::normalize))
            .orElse("unknown");
    Inspections one =
        new Inspections() {
          @Override
          public Optional<Inspection> inspection(Sha256 s) {
            return s.hex().equals(sha) ? Optional.of(i) : Optional.empty();
          }

          @Override
          public Optional<String> review(Sha256 s) {
            return Optional.empty();
          }

          @Override
          public String generation() {
            return "1";
          }
        };
    Policy only =
        new Policy(
            Policy.Mode.ENFORCE,
            Policy.Projects.NONE,
            Policy.Versions.NONE,
            Policy.ReleaseAge.OFF,
            Policy.Files.DEFAULTS,
            policy.exceptions(),
            AdvisoryPolicy.DEFAULTS,
            AttestationPolicy.NONE,
            Policy.Metadata.DEFAULTS,
            rules,
            policy.lookalikes());
    var judge =
        new PolicyJudge(
            only,
            Clock.systemUTC(),
            new InMemoryFirstSeen(),
            List.of(new InspectionRule(rules, one), new LookalikeRule(policy.lookalikes(), one)));
    var entry = FileEntry.of(filename, "file:" + filename, Map.of("sha256", sha));
    var page =
        new ProjectPage(
            project, "1.1", Map.of(), List.of(entry), Optional.empty(), Optional.empty(), Map.of());
    FileDecision decision = judge.judge("file", page).files().get(0);
    boolean allowed = decision.decision().allowed();
    out.printf(
        "%s (%s, sha256 %s): %s%n",
        target, i.kind().spelling(), sha, allowed ? "ALLOWED" : "BLOCKED");
    for (Finding f : i.findings()) {
      out.printf(
          "  finding %s -> %s%n", f.describe(), rules.action(f.rule(), f.severity()).spelling());
    }
    for (Reason r : decision.decision().reasons()) {
      out.printf("    %s%n", r);
    }
    return allowed && !(decision.decision() instanceof Decision.Block);
  }
}
