package dev.pypiguard.policy;

import dev.pypiguard.core.config.Durations;
import dev.pypiguard.core.config.Spelled;
import dev.pypiguard.core.config.Until;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.policy.advisory.AdvisoryIgnore;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.attestation.PublisherRequirement;
import dev.pypiguard.policy.inspection.InspectionPolicy;
import dev.pypiguard.policy.names.LookalikePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A policy file, read and checked: what the proxy serves beyond the baseline rules that always
 * hold. An immutable tree; globs and specifier sets are compiled when it is built.
 *
 * @param mode enforce, or audit (block nothing, report what would have been blocked)
 * @param projects which projects exist
 * @param versions which versions of a project are served
 * @param releaseAge the cooldown on new uploads
 * @param files rules on kinds of files and on yanks
 * @param exceptions explicit, expiring allows that win over every rule but malicious
 * @param advisories what to do with releases OSV advisories name
 * @param attestations what PEP 740 provenance a file must carry
 * @param metadata rules on a release's core metadata
 * @param inspection what to do with what artifact inspection finds (README "Artifact inspection")
 * @param lookalikes what to do with projects named like popular ones (README "Look-alike names")
 */
public record Policy(
    Mode mode,
    Projects projects,
    Versions versions,
    ReleaseAge releaseAge,
    Files files,
    List<Waiver> exceptions,
    AdvisoryPolicy advisories,
    AttestationPolicy attestations,
    Metadata metadata,
    InspectionPolicy inspection,
    LookalikePolicy lookalikes) {

  /**
   * The policy of an empty policy file: nothing blocked beyond the baseline. Not what runs without
   * a policy file: that is {@link BuiltInPolicy}.
   */
  public static final Policy DEFAULTS =
      new Policy(
          Mode.ENFORCE,
          Projects.NONE,
          Versions.NONE,
          ReleaseAge.OFF,
          Files.DEFAULTS,
          List.of(),
          AdvisoryPolicy.DEFAULTS,
          AttestationPolicy.NONE,
          Metadata.DEFAULTS,
          InspectionPolicy.NONE,
          LookalikePolicy.OFF);

  /** A policy with the default {@code metadata} section, no inspection and no look-alike rule. */
  public Policy(
      Mode mode,
      Projects projects,
      Versions versions,
      ReleaseAge releaseAge,
      Files files,
      List<Waiver> exceptions,
      AdvisoryPolicy advisories,
      AttestationPolicy attestations) {
    this(
        mode,
        projects,
        versions,
        releaseAge,
        files,
        exceptions,
        advisories,
        attestations,
        Metadata.DEFAULTS,
        InspectionPolicy.NONE,
        LookalikePolicy.OFF);
  }

  /**
   * {@code metadata}: rules on a release's core metadata (README §Fail closed).
   *
   * @param allowDirectUrls projects whose {@code Requires-Dist: name @ URL} dependencies are
   *     allowed; every other project's such release is blocked, since pip would fetch the URL
   *     around the proxy
   */
  public record Metadata(List<Glob> allowDirectUrls) {
    public static final Metadata DEFAULTS = new Metadata(List.of());

    public Metadata {
      allowDirectUrls = List.copyOf(allowDirectUrls);
    }
  }

  public Policy {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(projects, "projects");
    Objects.requireNonNull(versions, "versions");
    Objects.requireNonNull(releaseAge, "releaseAge");
    Objects.requireNonNull(files, "files");
    exceptions = List.copyOf(exceptions);
    Objects.requireNonNull(advisories, "advisories");
    Objects.requireNonNull(attestations, "attestations");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(inspection, "inspection");
    Objects.requireNonNull(lookalikes, "lookalikes");
  }

  /** {@code files.weak-hashes}: a file whose upstream gives no sha256, only md5 or the like. */
  public enum WeakHashes implements Spelled {
    /** Never served (the default): its bytes cannot be verified as the upstream meant them. */
    BLOCK,
    /** Downloaded once, verified by the hash given, then pinned by sha256 for ever. */
    VERIFY_AND_PIN
  }

  /** {@code mode}: whether blocks are enforced. */
  public enum Mode implements Spelled {
    ENFORCE,
    AUDIT
  }

  /** {@code release-age.unknown}: what to do with a file whose upload time the upstream omits. */
  public enum UnknownUploadTime implements Spelled {
    BLOCK,
    ALLOW,
    FIRST_SEEN
  }

  /** {@code files.yanked}: pass PEP 592 yanks through, or hide yanked files. */
  public enum YankedFiles implements Spelled {
    KEEP,
    HIDE
  }

  /**
   * {@code files.blocked}: how a blocked file appears on pages. {@code hide}: absent (the default).
   * {@code yank}: kept on the page as yanked (PEP 592) with a reason naming the rule, the date the
   * block lifts and the explain URL, so that pip shows it; only for the rules that say nothing bad
   * of the file (release-age, versions, sdists): a file blocked as malicious, vulnerable, badly
   * attested or unverifiable stays hidden. README "Blocks a pip user can understand".
   */
  public enum BlockedFiles implements Spelled {
    HIDE,
    YANK
  }

  /** {@code files.sdists}: serve source distributions, or wheels only. */
  public enum Sdists implements Spelled {
    ALLOW,
    BLOCK
  }

  /**
   * {@code projects}: which projects exist.
   *
   * @param allow when non-empty, only projects matching one of these exist (allowlist mode)
   * @param deny projects matching one of these do not exist
   */
  public record Projects(List<Glob> allow, List<Glob> deny) {
    public static final Projects NONE = new Projects(List.of(), List.of());

    public Projects {
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
    }
  }

  /**
   * {@code versions}: per-project version rules.
   *
   * @param deny versions matching a project's set are not served
   * @param allow when a project is listed, only versions matching its set are served
   */
  public record Versions(
      Map<ProjectName, SpecifierSet> deny, Map<ProjectName, SpecifierSet> allow) {
    public static final Versions NONE = new Versions(Map.of(), Map.of());

    public Versions {
      deny = Sorted.copy(deny);
      allow = Sorted.copy(allow);
    }
  }

  /**
   * {@code release-age}: the cooldown on new uploads.
   *
   * @param minimum files uploaded less than this long ago are not served; zero turns it off
   * @param exempt projects the whole section does not apply to
   * @param unknown what to do when the upstream gives no upload time
   * @param notAfter nothing uploaded after this instant is served
   */
  public record ReleaseAge(
      Duration minimum, List<Glob> exempt, UnknownUploadTime unknown, Optional<Instant> notAfter) {
    public static final ReleaseAge OFF =
        new ReleaseAge(Duration.ZERO, List.of(), UnknownUploadTime.BLOCK, Optional.empty());

    public ReleaseAge {
      Objects.requireNonNull(minimum, "minimum");
      if (minimum.isNegative()) {
        throw new IllegalArgumentException(
            "release-age.minimum: " + minimum + " (expected: " + Durations.EXPECTED + ")");
      }
      exempt = List.copyOf(exempt);
      Objects.requireNonNull(unknown, "unknown");
      Objects.requireNonNull(notAfter, "notAfter");
    }

    /** Whether the section blocks anything: a minimum above zero, or a cut-off. */
    public boolean active() {
      return !minimum.isZero() || notAfter.isPresent();
    }
  }

  /**
   * {@code files}: rules on kinds of files and on yanks.
   *
   * @param yanked pass PEP 592 yanks through, or hide yanked files
   * @param yank local yanks: matching versions are served marked yanked
   * @param sdists serve source distributions, or wheels only
   * @param weakHashes what to do with a file the upstream gives no sha256 for
   * @param blocked how blocked files appear on pages: absent, or as yanked with the reason
   */
  public record Files(
      YankedFiles yanked,
      Map<ProjectName, SpecifierSet> yank,
      Sdists sdists,
      WeakHashes weakHashes,
      BlockedFiles blocked) {
    public static final Files DEFAULTS = new Files(YankedFiles.KEEP, Map.of(), Sdists.ALLOW);

    public Files {
      Objects.requireNonNull(yanked, "yanked");
      yank = Sorted.copy(yank);
      Objects.requireNonNull(sdists, "sdists");
      Objects.requireNonNull(weakHashes, "weakHashes");
      Objects.requireNonNull(blocked, "blocked");
    }

    /** The section with {@code weak-hashes: block} and {@code blocked: hide}, the defaults. */
    public Files(YankedFiles yanked, Map<ProjectName, SpecifierSet> yank, Sdists sdists) {
      this(yanked, yank, sdists, WeakHashes.BLOCK, BlockedFiles.HIDE);
    }
  }

  /**
   * One entry of {@code exceptions}: an explicit, expiring allow.
   *
   * @param project the projects it covers
   * @param versions the versions it covers; empty for every version
   * @param until when it stops holding
   * @param reason why it exists (a ticket, a name), shown with every file it lets through
   * @param sha256s when not empty, the only files it covers (lower-case hex)
   * @param date when it was written: without {@code sha256s} it covers only files uploaded before
   *     this instant, never files added to a release later (README §Fail closed)
   */
  public record Waiver(
      Glob project,
      Optional<SpecifierSet> versions,
      Until until,
      String reason,
      List<String> sha256s,
      Optional<Instant> date) {
    public Waiver {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(versions, "versions");
      Objects.requireNonNull(until, "until");
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("exception reason: \"\" (expected: a ticket or why)");
      }
      sha256s = sha256s.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
      Objects.requireNonNull(date, "date");
      if (sha256s.isEmpty() && date.isEmpty()) {
        throw new IllegalArgumentException(
            "exception for "
                + project
                + ": neither sha256 nor date (expected: the files it covers, or the date it was written)");
      }
    }

    /** Whether it still holds at {@code now}. */
    public boolean activeAt(Instant now) {
      return now.isBefore(until.expires());
    }

    /**
     * Whether it covers the file with this sha256 and upload time: one of its {@code sha256s}, or,
     * without them, a file uploaded before its {@code date} (a file without an upload time cannot
     * be shown to be, so it is not covered).
     */
    public boolean coversFile(
        Optional<dev.pypiguard.core.blob.Sha256> sha256, Optional<Instant> uploaded) {
      if (!sha256s.isEmpty()) {
        return sha256.map(h -> sha256s.contains(h.hex())).orElse(false);
      }
      return uploaded.isPresent() && uploaded.get().isBefore(date.orElseThrow());
    }

    /** One line naming it: {@code jinja2 ==3.1.2 until 2027-01-01 (TICKET-42)}. */
    public String describe() {
      return project
          + versions.map(v -> " " + v).orElse("")
          + " until "
          + until
          + " ("
          + reason
          + ")";
    }
  }

  /**
   * The sha256 (hex) of a canonical form of this policy: equal for policies that judge alike
   * however their files were laid out, and different whenever a setting differs.
   */
  public String digest() {
    StringBuilder c = new StringBuilder(256);
    c.append("mode=").append(mode.spelling()).append('\n');
    c.append("projects.allow=").append(globs(projects.allow())).append('\n');
    c.append("projects.deny=").append(globs(projects.deny())).append('\n');
    c.append("versions.deny=").append(specs(versions.deny())).append('\n');
    c.append("versions.allow=").append(specs(versions.allow())).append('\n');
    c.append("release-age.minimum=").append(releaseAge.minimum().getSeconds()).append('\n');
    c.append("release-age.exempt=").append(globs(releaseAge.exempt())).append('\n');
    c.append("release-age.unknown=").append(releaseAge.unknown().spelling()).append('\n');
    c.append("release-age.not-after=")
        .append(releaseAge.notAfter().map(Instant::toString).orElse(""))
        .append('\n');
    c.append("files.yanked=").append(files.yanked().spelling()).append('\n');
    c.append("files.yank=").append(specs(files.yank())).append('\n');
    c.append("files.sdists=").append(files.sdists().spelling()).append('\n');
    c.append("files.weak-hashes=").append(files.weakHashes().spelling()).append('\n');
    c.append("files.blocked=").append(files.blocked().spelling()).append('\n');
    for (Waiver w : exceptions) {
      c.append("exception=")
          .append(quote(w.project().toString()))
          .append(',')
          .append(quote(w.versions().map(SpecifierSet::toString).orElse("*")))
          .append(',')
          .append(w.until().expires())
          .append(',')
          .append(quote(w.reason()))
          .append(',')
          .append(String.join("+", w.sha256s()))
          .append(',')
          .append(w.date().map(Instant::toString).orElse(""))
          .append('\n');
    }
    c.append("advisories.vulnerable=").append(advisories.vulnerable()).append('\n');
    c.append("advisories.min-severity=").append(advisories.minSeverity().spelling()).append('\n');
    c.append("advisories.on-unavailable=")
        .append(advisories.onUnavailable().spelling())
        .append('\n');
    for (AdvisoryIgnore i : advisories.ignore()) {
      c.append("advisories.ignore=")
          .append(quote(i.id()))
          .append(',')
          .append(i.until().expires())
          .append(',')
          .append(quote(i.reason()))
          .append('\n');
    }
    c.append("attestations.verify=").append(attestations.verify()).append('\n');
    c.append("attestations.publisher-change=").append(attestations.publisherChange()).append('\n');
    c.append("attestations.trusted-root=")
        .append(quote(attestations.trustedRoot().map(Object::toString).orElse("")))
        .append('\n');
    for (PublisherRequirement r : attestations.require()) {
      c.append("attestations.require=")
          .append(quote(r.project().toString()))
          .append(',')
          .append(quote(r.publisher().kind()))
          .append(',')
          .append(quote(r.publisher().toString()))
          .append('\n');
    }
    c.append("metadata.allow-direct-urls=").append(globs(metadata.allowDirectUrls())).append('\n');
    c.append("inspection=").append(inspection.active()).append(';');
    inspection
        .actions()
        .forEach((k, v) -> c.append(k).append('=').append(v.spelling()).append(';'));
    c.append('\n');
    c.append("lookalikes=")
        .append(lookalikes.action().spelling())
        .append(';')
        .append(String.join(",", lookalikes.popular().stream().sorted().toList()))
        .append(';')
        .append(globs(lookalikes.allow()))
        .append('\n');
    return dev.pypiguard.core.blob.Sha256.of(c.toString().getBytes(StandardCharsets.UTF_8)).hex();
  }

  private static String globs(List<Glob> globs) {
    // A list of globs is a set: order and repeats do not change what it matches.
    return String.join(",", globs.stream().map(Glob::toString).distinct().sorted().toList());
  }

  private static String specs(Map<ProjectName, SpecifierSet> map) {
    StringBuilder b = new StringBuilder();
    map.forEach((k, v) -> b.append(k).append('=').append(quote(v.toString())).append(';'));
    return b.toString();
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }

  /**
   * Holds the map copy outside {@code Policy} itself: the nested records call it while {@link
   * #DEFAULTS} is being built, and a static method of {@code Policy} would re-enter its
   * initialization and see the nested constants still null.
   */
  private static final class Sorted {
    static <V> Map<ProjectName, V> copy(Map<ProjectName, V> map) {
      return Collections.unmodifiableMap(new TreeMap<>(map));
    }
  }
}
