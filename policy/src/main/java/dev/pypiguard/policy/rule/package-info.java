/**
 * The policy engine: the {@link dev.pypiguard.policy.rule.Rule} seam (a rule judges one file, given
 * as a {@link dev.pypiguard.policy.rule.FileContext}, into {@link
 * dev.pypiguard.policy.rule.Findings}), one class per built-in rule ({@code ProjectsRule}, {@code
 * VersionsRule}, {@code ReleaseAgeRule}, {@link dev.pypiguard.policy.rule.AdvisoryRule}, {@link
 * dev.pypiguard.policy.rule.AttestationRule}, {@link dev.pypiguard.policy.rule.MetadataRule},
 * {@link dev.pypiguard.policy.rule.InspectionRule}, {@link dev.pypiguard.policy.rule.LookalikeRule}
 * ...), the stores the rules read and write (first sightings for the cooldown, the sha256 each file
 * name was first seen with, inspections and reviews), and {@link
 * dev.pypiguard.policy.rule.PolicyJudge}, which runs them over a page and applies exceptions and
 * audit mode (README "Policy"). It reads the {@link dev.pypiguard.policy.Policy} model and the
 * advisory, attestation, inspection and name packages; none of them reads it.
 */
@NullMarked
package dev.pypiguard.policy.rule;

import org.jspecify.annotations.NullMarked;
