/**
 * The policy as the running server applies it: the live (reloaded) policy, the advisory feed,
 * stored provenance verdicts and inspections, the rules wired to them, and the defences report.
 */
@NullMarked
package dev.pypiguard.server.policy;

import org.jspecify.annotations.NullMarked;
