package dev.pypiguard.server.policy;

import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.advisory.AdvisorySources;
import dev.pypiguard.policy.advisory.OnUnavailable;
import dev.pypiguard.policy.advisory.OsvApiSource;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Each defence of the running server, on or off, and what turns an off one on (README "What the
 * first command protects against"): logged at start, listed in {@code /healthz}, on the status page
 * and in {@code /metrics}. A defence the policy asks for but that cannot work (no advisory data for
 * it) is {@link State#BROKEN}, never quietly shown as on.
 *
 * <p>Computed from the policy in force and the advisory data each time it is asked, so a reload or
 * an OSV API outage shows at once. Names are the policy keys that turn them on.
 */
public final class Defences {
  /** Whether a defence works. */
  public enum State {
    ON,
    OFF,
    /** Asked for, but it cannot work: reported loudly. */
    BROKEN;

    /** As healthz, the status page and the metric label spell it. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One defence.
   *
   * @param name the policy key that controls it ({@code release-age}, {@code advisories.malicious})
   * @param state on, off or broken
   * @param detail what it does now, or why it cannot work
   * @param remedy what turns it on (off) or makes it work (broken); empty when on
   */
  public record Defence(String name, State state, String detail, Optional<String> remedy) {
    public Defence {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(remedy, "remedy");
    }

    static Defence on(String name, String detail) {
      return new Defence(name, State.ON, detail, Optional.empty());
    }

    static Defence off(String name, String detail, String remedy) {
      return new Defence(name, State.OFF, detail, Optional.of(remedy));
    }

    static Defence broken(String name, String detail, String remedy) {
      return new Defence(name, State.BROKEN, detail, Optional.of(remedy));
    }

    /**
     * {@code release-age: on (...)}, {@code sdists: off (...; turn on: ...)}, {@code ...: BROKEN
     * (...; fix: ...)}.
     */
    @Override
    public String toString() {
      String s = state == State.BROKEN ? "BROKEN" : state.spelling();
      return name
          + ": "
          + s
          + " ("
          + detail
          + remedy.map(r -> (state == State.OFF ? "; turn on: " : "; fix: ") + r).orElse("")
          + ")";
    }
  }

  /** Every defence's name, in the order listed (the metric has one series per name and state). */
  public static final List<String> NAMES =
      List.of(
          "mode",
          "hashes",
          "release-age",
          "advisories.malicious",
          "advisories.vulnerable",
          "attestations.verify",
          "attestations.publisher-change",
          "attestations.require",
          "projects",
          "versions",
          "files.sdists",
          "files.weak-hashes",
          "advisories.on-unavailable",
          "metadata",
          "inspection",
          "lookalikes");

  private static final String DATA =
      "--advisories osv-api, or 'pypi-guard advisories update' (OSV's PyPI export)";

  private Defences() {}

  /** The defences of {@code policy} with the advisory data {@code feed} (none: no data at all). */
  public static List<Defence> of(Policy policy, Optional<AdvisoryFeed> feed) {
    var out = new ArrayList<Defence>();
    out.add(
        policy.mode() == Policy.Mode.ENFORCE
            ? Defence.on("mode", "enforce: what a rule blocks is not served")
            : Defence.off(
                "mode",
                "audit: nothing is blocked, what would be is logged and counted",
                "mode: enforce"));
    out.add(
        Defence.on(
            "hashes", "always: every file is checked against the sha256 its index declares"));
    out.add(releaseAge(policy.releaseAge()));
    Data data = Data.of(feed.map(AdvisoryFeed::sources));
    out.add(data.maliciousDefence());
    out.add(data.vulnerableDefence(policy.advisories()));
    AttestationPolicy a = policy.attestations();
    out.add(
        a.verify()
            ? Defence.on(
                "attestations.verify",
                "PEP 740 provenance is verified against "
                    + a.trustedRoot()
                        .map(p -> "the trusted root " + p)
                        .orElse("the bundled Sigstore root")
                    + "; a file whose provenance fails is blocked")
            : Defence.off(
                "attestations.verify",
                "provenance is not verified",
                "attestations: {verify: true}"));
    out.add(
        a.publisherChange()
            ? Defence.on(
                "attestations.publisher-change",
                "a release from another Trusted Publisher than the project's"
                    + " earlier ones, or no longer attested, is blocked")
            : Defence.off(
                "attestations.publisher-change",
                "a change of publisher is not noticed",
                "attestations: {publisher-change: block}"));
    out.add(
        a.require().isEmpty()
            ? Defence.off(
                "attestations.require",
                "no project must carry a named publisher's provenance",
                "attestations.require (site-specific: your projects and their publishers)")
            : Defence.on(
                "attestations.require",
                a.require().size() + " project rule(s) name their publisher"));
    Policy.Projects p = policy.projects();
    out.add(
        p.allow().isEmpty() && p.deny().isEmpty()
            ? Defence.off(
                "projects",
                "every project name exists",
                "projects.deny or projects.allow (site-specific)")
            : Defence.on(
                "projects",
                (p.allow().isEmpty() ? "" : "only " + p.allow().size() + " allowed glob(s) exist; ")
                    + p.deny().size()
                    + " denied glob(s)"));
    Policy.Versions v = policy.versions();
    out.add(
        v.allow().isEmpty() && v.deny().isEmpty()
            ? Defence.off(
                "versions", "no version rules", "versions.deny or versions.allow (site-specific)")
            : Defence.on(
                "versions",
                v.deny().size()
                    + " project(s) with denied versions, "
                    + v.allow().size()
                    + " with allowed ones only"));
    out.add(
        policy.files().sdists() == Policy.Sdists.BLOCK
            ? Defence.on("files.sdists", "wheels only: nothing runs a setup.py at install time")
            : Defence.off(
                "files.sdists", "source distributions are served", "files: {sdists: block}"));
    // The fail-closed rules (README "Fail closed") and the look-inside rules (README "Artifact
    // inspection", "Look-alike names").
    out.add(
        policy.files().weakHashes() == Policy.WeakHashes.BLOCK
            ? Defence.on(
                "files.weak-hashes",
                "a file listed with only md5 (or another weak hash) is blocked")
            : Defence.on(
                "files.weak-hashes",
                "verify-and-pin: a weak-hash file is checked once, then pinned by sha256"));
    out.add(
        policy.advisories().onUnavailable() == OnUnavailable.HOLD
            ? Defence.on(
                "advisories.on-unavailable", "a release the OSV API never answered for is held")
            : Defence.off(
                "advisories.on-unavailable",
                "a release the OSV API never answered for is judged without it",
                "advisories: {on-unavailable: hold}"));
    out.add(
        Defence.on(
            "metadata",
            "a release whose core metadata has Requires-Dist: name @ URL is blocked"
                + (policy.metadata().allowDirectUrls().isEmpty()
                    ? ""
                    : " (" + policy.metadata().allowDirectUrls().size() + " allowed glob(s))")));
    out.add(
        policy.inspection().active()
            ? Defence.on(
                "inspection",
                "every stored wheel and sdist is read for install-time code and payloads"
                    + " before it is served")
            : Defence.off(
                "inspection",
                "files are not looked inside",
                "inspection: {} (README \"Artifact inspection\")"));
    out.add(
        policy.lookalikes().active()
            ? Defence.on(
                "lookalikes",
                "projects named like a popular one: " + policy.lookalikes().action().spelling())
            : Defence.off(
                "lookalikes",
                "typosquats of popular names are not noticed",
                "lookalikes: {action: hold}"));
    return out;
  }

  private static Defence releaseAge(Policy.ReleaseAge r) {
    if (!r.active()) {
      return Defence.off(
          "release-age", "new uploads are served at once", "release-age: {minimum: 7d}");
    }
    var d = new StringBuilder();
    if (!r.minimum().isZero()) {
      d.append("files uploaded less than ")
          .append(human(r.minimum()))
          .append(" ago are held; no upload time: ")
          .append(r.unknown().spelling());
    }
    r.notAfter()
        .ifPresent(
            t -> d.append(d.isEmpty() ? "" : "; ").append("nothing uploaded after ").append(t));
    if (!r.exempt().isEmpty()) {
      d.append("; ").append(r.exempt().size()).append(" exempt glob(s)");
    }
    return Defence.on("release-age", d.toString());
  }

  private static String human(Duration d) {
    long s = d.getSeconds();
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  /** What the advisory sources hold, as the two advisory defences need it. */
  private record Data(
      long malicious, long vulnerabilities, String files, Optional<OsvApiSource> api) {
    static Data of(Optional<AdvisorySources> sources) {
      if (sources.isEmpty()) {
        return new Data(0, 0, "", Optional.empty());
      }
      // From the per-source summaries: cheap enough for every scrape of /metrics.
      List<AdvisorySources.Summary> summaries = sources.get().summaries();
      long mal = summaries.stream().mapToLong(AdvisorySources.Summary::malicious).sum();
      long all = summaries.stream().mapToLong(AdvisorySources.Summary::records).sum();
      String files = String.join("; ", summaries.stream().map(Object::toString).toList());
      return new Data(mal, all - mal, files, sources.get().online());
    }

    boolean apiAnswers() {
      return api.isPresent() && api.get().status().reachable();
    }

    String apiState() {
      return api.map(
              a -> {
                OsvApiSource.Status st = a.status();
                String state =
                    !st.reachable()
                        ? " UNREACHABLE" + st.lastError().map(e -> " (" + e + ")").orElse("")
                        : st.lastSuccess().isEmpty() ? " (not asked yet)" : "";
                return "osv-api " + a.base() + state;
              })
          .orElse("");
    }

    String sources() {
      return String.join(
          "; ", java.util.stream.Stream.of(files, apiState()).filter(s -> !s.isEmpty()).toList());
    }

    Defence maliciousDefence() {
      String name = "advisories.malicious";
      if (malicious == 0 && !apiAnswers()) {
        return Defence.broken(
            name,
            "no source of malicious-package records"
                + (api.isPresent() ? " answers: " + apiState() : ""),
            "--advisories bundled, or " + DATA);
      }
      return Defence.on(
          name, "releases OSV marks malicious are blocked, whatever the policy; " + sources());
    }

    Defence vulnerableDefence(AdvisoryPolicy config) {
      String name = "advisories.vulnerable";
      if (!config.vulnerable()) {
        return Defence.off(
            name, "known-vulnerable releases are served", "advisories: {vulnerable: block}");
      }
      if (vulnerabilities == 0 && !apiAnswers()) {
        return Defence.broken(
            name,
            "the policy blocks vulnerable releases of "
                + config.minSeverity().spelling()
                + " severity and above, but no source has vulnerability records"
                + (api.isPresent()
                    ? " (" + apiState() + ")"
                    : malicious > 0 ? " (the malicious-packages snapshot has" + " none)" : ""),
            DATA);
      }
      return Defence.on(
          name,
          "releases with a known vulnerability of "
              + config.minSeverity().spelling()
              + " severity or above are blocked; "
              + sources());
    }
  }
}
