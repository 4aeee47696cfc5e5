package dev.pypiguard.policy.rule;

import dev.pypiguard.core.version.Version;
import dev.pypiguard.policy.Reason;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.attestation.ProvenanceVerdicts;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.PublisherMemory;
import dev.pypiguard.policy.attestation.PublisherRequirement;
import dev.pypiguard.policy.attestation.Verification;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code attestations} rule (README "Policy"): blocks files whose PEP 740 provenance fails
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

  private final AttestationPolicy config;
  private final ProvenanceVerdicts verdicts;
  private final PublisherMemory memory;

  /** The rule of {@code config} over {@code verdicts}, remembering publishers in {@code memory}. */
  public AttestationRule(
      AttestationPolicy config, ProvenanceVerdicts verdicts, PublisherMemory memory) {
    this.config = Objects.requireNonNull(config, "config");
    this.verdicts = Objects.requireNonNull(verdicts, "verdicts");
    this.memory = Objects.requireNonNull(memory, "memory");
  }

  /** The page last scanned (compared by identity) and the verdicts it was scanned with. */
  private record Scan(
      dev.pypiguard.core.simple.ProjectPage page, String generation, Scanned found) {}

  private volatile @Nullable Scan lastScan;

  @Override
  public void check(FileContext file, Findings findings) {
    boolean hasProvenance = file.file().provenance().isPresent();
    Optional<Verification> verdict =
        hasProvenance ? file.file().digest().flatMap(verdicts::verdict) : Optional.empty();
    // Message to whether it awaits a verdict: verify and require may find the same fault, which
    // is worth saying once.
    Map<String, Boolean> reasons = new LinkedHashMap<>();
    Optional<PublisherRequirement> required = config.requirementFor(file.project());
    if (required.isPresent()) {
      required(file, hasProvenance, verdict, required.get().publisher(), reasons);
    }
    if (config.verify() && hasProvenance) {
      if (verdict.isEmpty()) {
        reasons.put(PENDING, true);
      } else if (verdict.get() instanceof Verification.Failed f) {
        reasons.put(failed(f), false);
      }
    }
    if (config.publisherChange()) {
      publisherChange(file, hasProvenance, verdict, reasons);
    }
    reasons.forEach(
        (r, pending) -> findings.block(pending ? Reason.pending(NAME, r) : new Reason(NAME, r)));
  }

  private static void required(
      FileContext file,
      boolean hasProvenance,
      Optional<Verification> verdict,
      Publisher want,
      Map<String, Boolean> reasons) {
    if (!hasProvenance) {
      reasons.put(
          "no provenance; " + file.project() + " requires provenance from " + want.display(),
          false);
    } else if (verdict.isEmpty()) {
      reasons.put(PENDING, true);
    } else if (verdict.get() instanceof Verification.Failed f) {
      reasons.put(failed(f), false);
    } else if (verdict.get() instanceof Verification.Unverified u) {
      reasons.put(
          "provenance unverified: " + u.reason() + "; required publisher " + want.display(), false);
    } else if (verdict.get() instanceof Verification.Verified ok
        && !want.satisfiedBy(ok.identity())) {
      reasons.put(
          "provenance publisher "
              + ok.identity().display()
              + " does not match required "
              + want.display(),
          false);
    }
  }

  /**
   * What one scan of a page found: the first upload whose verdict is still pending (it could become
   * the project's reference publisher), if any.
   */
  private record Scanned(Optional<Instant> firstPending, boolean pendingWithoutTime) {}

  /**
   * Records every verified file of the page before any of its files is judged, in upload order, so
   * that the first verified upload sets the remembered publisher whatever order the upstream lists
   * files in, and whatever their version numbers (issue 13). Once per page object.
   */
  private Scanned rememberPage(FileContext file) {
    var page = file.page();
    String generation = verdicts.generation();
    Scan last = lastScan;
    if (last != null && last.page() == page && last.generation().equals(generation)) {
      return last.found();
    }
    var verified = new ArrayList<dev.pypiguard.core.simple.FileEntry>();
    Optional<Instant> firstPending = Optional.empty();
    boolean pendingWithoutTime = false;
    for (var f : page.files()) {
      if (f.provenance().isEmpty() || f.digest().isEmpty()) {
        continue;
      }
      Optional<Verification> v = verdicts.verdict(f.digest().get());
      if (v.isEmpty()) {
        Optional<Instant> t = f.uploadInstant();
        pendingWithoutTime |= t.isEmpty();
        if (t.isPresent() && (firstPending.isEmpty() || t.get().isBefore(firstPending.get()))) {
          firstPending = t;
        }
      } else if (v.get() instanceof Verification.Verified) {
        verified.add(f);
      }
    }
    verified.sort(
        Comparator.comparing(
            (dev.pypiguard.core.simple.FileEntry f) -> f.uploadInstant().orElse(Instant.MAX)));
    for (var f : verified) {
      var ok = (Verification.Verified) verdicts.verdict(f.digest().get()).orElseThrow();
      memory.record(
          file.project(),
          dev.pypiguard.policy.BaselineJudge.versionOf(page, f),
          f.uploadInstant(),
          ok.identity());
    }
    Scanned found = new Scanned(firstPending, pendingWithoutTime);
    lastScan = new Scan(page, generation, found);
    return found;
  }

  private void publisherChange(
      FileContext file,
      boolean hasProvenance,
      Optional<Verification> verdict,
      Map<String, Boolean> reasons) {
    if (file.parsedVersion().isEmpty()) {
      return;
    }
    Scanned scan = rememberPage(file);
    Optional<PublisherMemory.Remembered> known = memory.remembered(file.project());
    Optional<Instant> uploaded = file.uploadTime();
    boolean mayBeDecided =
        scan.pendingWithoutTime()
            || scan.firstPending().isPresent()
                && (known.isEmpty()
                    || known.get().uploaded().isEmpty()
                    || scan.firstPending().get().isBefore(known.get().uploaded().get()))
                && (uploaded.isEmpty() || !uploaded.get().isBefore(scan.firstPending().get()));
    if (mayBeDecided && !(hasProvenance && verdict.isEmpty())) {
      // A verdict still pending could set the publisher this file must match: held, never
      // served on a guess (README §Fail closed).
      reasons.put(
          "held until the provenance of an earlier upload of "
              + file.project()
              + " is verified, since it may set the publisher this file must match",
          true);
      return;
    }
    if (known.isEmpty()) {
      return;
    }
    PublisherMemory.Remembered r = known.get();
    if (r.uploaded().isPresent()) {
      if (uploaded.isPresent() && uploaded.get().isBefore(r.uploaded().get())) {
        // Files uploaded before the project's first attested upload are not a change.
        return;
      }
    } else if (file.parsedVersion().get().compareTo(Version.parse(r.since())) < 0) {
      // A record from before upload order counted: releases before it are not a change.
      return;
    }
    String earlier =
        r.uploaded()
            .map(
                t ->
                    "files of "
                        + file.project()
                        + " uploaded since "
                        + t
                        + " (release "
                        + r.since()
                        + ") are attested by "
                        + r.display())
            .orElse(
                "releases of "
                    + file.project()
                    + " since "
                    + r.since()
                    + " were attested by "
                    + r.display());
    String subject =
        "release "
            + file.version()
            + (uploaded.isEmpty() && r.uploaded().isPresent()
                ? " (no upload time, so counted as later)"
                : "");
    if (verdict.isPresent() && verdict.get() instanceof Verification.Verified ok) {
      if (!PublisherMemory.key(ok.identity()).equals(r.key())) {
        reasons.put(
            subject
                + " is attested by "
                + ok.identity().display()
                + ", but "
                + earlier
                + " (publisher-change: block)",
            false);
      }
    } else if (hasProvenance && verdict.isEmpty()) {
      reasons.put(PENDING, true);
    } else {
      String why =
          !hasProvenance
              ? "it has no provenance"
              : verdict.get() instanceof Verification.Failed f
                  ? "its provenance failed verification: " + f.reason()
                  : "its provenance is unverified: "
                      + ((Verification.Unverified) verdict.get()).reason();
      reasons.put(subject + " has lost its attestation (" + why + "), but " + earlier, false);
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
