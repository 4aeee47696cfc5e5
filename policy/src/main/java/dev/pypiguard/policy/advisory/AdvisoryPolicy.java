package dev.pypiguard.policy.advisory;

import java.util.List;
import java.util.Objects;

/**
 * {@code advisories}: releases named by OSV advisories. Malicious ones are always blocked.
 *
 * @param vulnerable whether vulnerable releases are blocked
 * @param minSeverity the lowest severity that blocks; an advisory without one counts as high
 * @param ignore advisories not to act on, each until a date
 * @param onUnavailable what to do with a release an online source (the OSV API) has never answered
 *     for: hold it (the default), or judge it without that source
 */
public record AdvisoryPolicy(
    boolean vulnerable,
    Severity minSeverity,
    List<AdvisoryIgnore> ignore,
    OnUnavailable onUnavailable) {
  /** Without the section: only known-malicious releases are blocked (INTERFACE.md §2). */
  public static final AdvisoryPolicy DEFAULTS =
      new AdvisoryPolicy(false, Severity.MEDIUM, List.of());

  public AdvisoryPolicy {
    Objects.requireNonNull(minSeverity, "minSeverity");
    ignore = List.copyOf(ignore);
    Objects.requireNonNull(onUnavailable, "onUnavailable");
  }

  /** The section with {@code on-unavailable: hold}, the fail-closed default. */
  public AdvisoryPolicy(boolean vulnerable, Severity minSeverity, List<AdvisoryIgnore> ignore) {
    this(vulnerable, minSeverity, ignore, OnUnavailable.HOLD);
  }
}
