package dev.pypiguard.policy.attestation;

import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.FileContext;
import dev.pypiguard.policy.Findings;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.Rule;
import dev.pypiguard.policy.config.Policy;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code attestations} rule (INTERFACE.md §5): blocks files whose PEP 740 provenance fails
 * verification ({@code verify}), files of required projects without verified provenance from the
 * required publisher ({@code require}), and releases attested by another publisher than, or no
 * longer attested like, the project's earlier verified releases ({@code publisher-change}).
 *
 * <p>It reads verdicts, never verifies: a file with a provenance URL but no verdict yet is "not
 * verified yet" and blocked by {@code verify} and {@code require}. Its {@link #fingerprint()}
 * follows the verdicts and the publisher memory, so a page is re-judged once verdicts arrive.
 */
public final class AttestationRule implements Rule {
  /** The rule name of every reason it gives. */
  public static final String NAME = "attestations";

  static final String PENDING = "provenance not verified yet";

  private final Policy.Attestations config;
  private final ProvenanceVerdicts verdicts;
  private final PublisherMemory memory;

  /** The rule of {@code config} over {@code verdicts}, remembering publishers in {@code memory}. */
  public AttestationRule(
      Policy.Attestations config, ProvenanceVerdicts verdicts, PublisherMemory memory) {
    this.config = Objects.requireNonNull(config, "config");
    this.verdicts = Objects.requireNonNull(verdicts, "verdicts");
    this.memory = Objects.requireNonNull(memory, "memory");
  }

  /** The page last scanned (compared by identity) and the verdicts it was scanned with. */
  private record Scan(dev.pypiguard.core.simple.ProjectPage page, String generation) {}

  private volatile Scan lastScan;

  @Override
  public void check(FileContext file, Findings findings) {
    boolean hasProvenance = file.file().provenance().isPresent();
    Optional<Verification> verdict =
        hasProvenance ? file.file().sha256().flatMap(verdicts::verdict) : Optional.empty();
    // A set: verify and require may find the same fault, which is worth saying once.
    Set<String> reasons = new LinkedHashSet<>();
    Optional<Policy.Requirement> required = config.requirementFor(file.project());
    if (required.isPresent()) {
      required(file, hasProvenance, verdict, required.get().publisher(), reasons);
    }
    if (config.verify() && hasProvenance) {
      if (verdict.isEmpty()) {
        reasons.add(PENDING);
      } else if (verdict.get() instanceof Verification.Failed f) {
        reasons.add(failed(f));
      }
    }
    if (config.publisherChange()) {
      publisherChange(file, hasProvenance, verdict, reasons);
    }
    for (String r : reasons) {
      findings.block(new Reason(NAME, r));
    }
  }

  private static void required(
      FileContext file,
      boolean hasProvenance,
      Optional<Verification> verdict,
      Publisher want,
      Set<String> reasons) {
    if (!hasProvenance) {
      reasons.add("no provenance; " + file.project() + " requires provenance from " + want.display());
    } else if (verdict.isEmpty()) {
      reasons.add(PENDING);
    } else if (verdict.get() instanceof Verification.Failed f) {
      reasons.add(failed(f));
    } else if (verdict.get() instanceof Verification.Unverified u) {
      reasons.add(
          "provenance unverified: " + u.reason() + "; required publisher " + want.display());
    } else if (verdict.get() instanceof Verification.Verified ok && !want.satisfiedBy(ok.identity())) {
      reasons.add(
          "provenance publisher "
              + ok.identity().display()
              + " does not match required "
              + want.display());
    }
  }

  /**
   * Records every verified release of the page before any of its files is judged, so that the
   * earliest one sets the remembered publisher whatever order the upstream lists files in (a
   * newer release listed first must not become the reference). Once per page object.
   */
  private void rememberPage(FileContext file) {
    var page = file.page();
    String generation = verdicts.generation();
    Scan last = lastScan;
    if (last != null && last.page() == page && last.generation().equals(generation)) {
      return;
    }
    for (var f : page.files()) {
      if (f.provenance().isEmpty() || f.sha256().isEmpty()) {
        continue;
      }
      Optional<Verification> v = verdicts.verdict(f.sha256().get());
      if (v.isPresent() && v.get() instanceof Verification.Verified ok) {
        memory.record(file.project(), dev.pypiguard.policy.BaselineJudge.versionOf(page, f), ok.identity());
      }
    }
    lastScan = new Scan(page, generation);
  }

  private void publisherChange(
      FileContext file,
      boolean hasProvenance,
      Optional<Verification> verdict,
      Set<String> reasons) {
    if (file.parsedVersion().isEmpty()) {
      return;
    }
    rememberPage(file);
    Optional<PublisherMemory.Remembered> known = memory.remembered(file.project());
    if (known.isEmpty()) {
      return;
    }
    PublisherMemory.Remembered r = known.get();
    Version since = Version.parse(r.since());
    if (file.parsedVersion().get().compareTo(since) < 0) {
      // Releases from before the project adopted attestations are not a change.
      return;
    }
    String earlier = "releases of " + file.project() + " since " + r.since() + " were attested by " + r.display();
    if (verdict.isPresent() && verdict.get() instanceof Verification.Verified ok) {
      if (!PublisherMemory.key(ok.identity()).equals(r.key())) {
        reasons.add(
            "release "
                + file.version()
                + " is attested by "
                + ok.identity().display()
                + ", but "
                + earlier
                + " (publisher-change: block)");
      }
    } else if (hasProvenance && verdict.isEmpty()) {
      reasons.add(PENDING);
    } else {
      String why =
          !hasProvenance
              ? "it has no provenance"
              : verdict.get() instanceof Verification.Failed f
                  ? "its provenance failed verification: " + f.reason()
                  : "its provenance is unverified: " + ((Verification.Unverified) verdict.get()).reason();
      reasons.add(
          "release " + file.version() + " has lost its attestation (" + why + "), but " + earlier);
    }
  }

  private static String failed(Verification.Failed f) {
    return "provenance failed verification: " + f.reason();
  }

  @Override
  public String fingerprint() {
    return "attestations-"
        + verdicts.generation()
        + (config.publisherChange() ? "." + memory.generation() : "");
  }
}
