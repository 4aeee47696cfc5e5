package dev.pypiguard.server.cli;

import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.policy.attestation.Attestation;
import dev.pypiguard.policy.attestation.AttestationFormatException;
import dev.pypiguard.policy.attestation.AttestationVerifier;
import dev.pypiguard.policy.attestation.CertificateIdentity;
import dev.pypiguard.policy.attestation.EmailIdentity;
import dev.pypiguard.policy.attestation.Provenance;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.TrustedRoot;
import dev.pypiguard.policy.attestation.Verification;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pypi-guard verify}: checks a distribution against its PEP 740 provenance offline, with a
 * Sigstore trusted root from a file (the production root is bundled).
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify a distribution against its PEP 740 provenance, offline.",
      "PROVENANCE is a PyPI Integrity API document ({\"attestation_bundles\": ...}), a single",
      "PEP 740 attestation, or a Sigstore bundle (v0.3, DSSE). Each bundle is checked against",
      "its own publisher; --publisher also requires a publisher (and is needed for a single",
      "attestation). Checks: DSSE signature, the one subject's name and sha256, the predicate",
      "type, the Fulcio chain to the trusted root, the Rekor entry (signed entry timestamp,",
      "inclusion proof, checkpoint), the certificate's validity at the integrated time, and the",
      "publisher against the certificate's extensions.",
      "Exit codes: 0 verified, 1 failed or unverifiable, 2 bad input."
    })
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The distribution (wheel or sdist).")
  Path file;

  @Option(
      names = "--provenance",
      required = true,
      paramLabel = "PROVENANCE.json",
      description = "Provenance, attestation or Sigstore bundle.")
  @SuppressWarnings("NullAway.Init") // required = true: picocli sets it before call()
  Path provenance;

  @Option(
      names = "--trusted-root",
      paramLabel = "FILE",
      description = "Sigstore trusted_root.json (default: the bundled production root).")
  @Nullable Path trustedRoot;

  @Option(
      names = "--publisher",
      paramLabel = "KIND:ID",
      description = {
        "Required publisher: github:OWNER/REPO@WORKFLOW.yml, gitlab:GROUP/PROJECT@PATH/.gitlab-ci.yml,",
        "google:EMAIL, or email:ADDRESS@ISSUER-URL for a personal (non Trusted Publisher) identity."
      })
  @Nullable String publisher;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String sha = sha256(file);
    String doc = read(provenance);
    TrustedRoot root;
    try {
      root = trustedRoot == null ? TrustedRoot.production() : TrustedRoot.load(trustedRoot);
    } catch (IOException | AttestationFormatException e) {
      throw new ConfigException("--trusted-root: " + e.getMessage());
    }
    var verifier = new AttestationVerifier(root);
    Optional<CertificateIdentity> required =
        Optional.ofNullable(publisher).map(VerifyCommand::identity);
    String name = file.getFileName().toString();
    Verification v;
    try {
      if (doc.contains("\"attestation_bundles\"")) {
        Provenance p = Provenance.parse(doc);
        if (required.isPresent() && !(required.get() instanceof Publisher)) {
          throw new ConfigException(
              "--publisher: an email identity cannot be required of Integrity API provenance");
        }
        v =
            required.isPresent()
                ? verifier.verify(p, name, sha, (Publisher) required.get())
                : verifier.verify(p, name, sha);
      } else {
        Attestation a =
            doc.contains("\"mediaType\"")
                ? Attestation.fromSigstoreBundle(doc)
                : Attestation.parse(doc);
        if (required.isEmpty()) {
          throw new ConfigException(
              "--publisher is required to verify a single attestation or bundle");
        }
        v = verifier.verify(a, name, sha, required.get());
      }
    } catch (AttestationFormatException e) {
      throw new ConfigException(provenance + ": " + e.getMessage());
    }
    if (v instanceof Verification.Verified ok) {
      // Verified means every check passed; list them so the output says what was established.
      out.printf("verified: %s%n", name);
      out.printf("  publisher: %s%n", ok.identity().display());
      out.printf("  ok  subject: exactly one, named %s, sha256 %s%n", name, sha);
      out.printf("  ok  predicate type: %s%n", String.join(", ", ok.predicateTypes()));
      out.printf("  ok  DSSE signature over the in-toto statement by the certificate's key%n");
      out.printf("  ok  certificate chains to a Fulcio CA of %s%n", root.source());
      out.printf(
          "  ok  Rekor entry: signed entry timestamp, inclusion proof, checkpoint signature%n");
      out.printf("  ok  certificate valid at the integrated time %s%n", ok.integratedTime());
      out.printf("  ok  publisher identity matches the certificate's extensions%n");
      out.flush();
      return 0;
    }
    String reason =
        v instanceof Verification.Failed f
            ? "FAILED: " + f.reason()
            : "UNVERIFIED: " + ((Verification.Unverified) v).reason();
    out.printf("%s: %s%n", name, reason);
    out.flush();
    return 1;
  }

  static CertificateIdentity identity(String spec) {
    int colon = spec.indexOf(':');
    String kind = colon < 0 ? "" : spec.substring(0, colon);
    String rest = colon < 0 ? "" : spec.substring(colon + 1);
    int at = rest.lastIndexOf('@');
    String expected =
        "(expected: github:OWNER/REPO@WORKFLOW.yml, gitlab:GROUP/PROJECT@.gitlab-ci.yml, "
            + "google:EMAIL or email:ADDRESS@ISSUER-URL)";
    switch (kind) {
      case "github":
        if (at > 0) {
          return new Publisher.GitHub(
              rest.substring(0, at), rest.substring(at + 1), Optional.empty());
        }
        break;
      case "gitlab":
        if (at > 0) {
          return new Publisher.GitLab(
              rest.substring(0, at), rest.substring(at + 1), Optional.empty());
        }
        break;
      case "google":
        if (!rest.isEmpty()) {
          return new Publisher.Google(rest);
        }
        break;
      case "email":
        int issuer = rest.indexOf("@http");
        if (issuer > 0) {
          return new EmailIdentity(rest.substring(0, issuer), rest.substring(issuer + 1));
        }
        break;
      default:
        break;
    }
    throw new ConfigException("--publisher: \"" + spec + "\" " + expected);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(p + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(p + ": cannot read: " + e.getMessage());
    }
  }

  private static String sha256(Path p) {
    MessageDigest md = Sha256.digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new ConfigException(p + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(p + ": cannot read: " + e.getMessage());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
