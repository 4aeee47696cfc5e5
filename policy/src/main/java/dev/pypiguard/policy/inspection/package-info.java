/**
 * Artifact inspection: the archive inspector that looks inside wheels and sdists before pip runs
 * them, its checks and findings, stored verdicts, and the {@code inspection} rule.
 */
@NullMarked
package dev.pypiguard.policy.inspection;

import org.jspecify.annotations.NullMarked;
