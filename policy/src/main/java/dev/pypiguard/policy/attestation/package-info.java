/**
 * PEP 740 attestations: parsing provenance, verifying its Sigstore signatures, certificates and
 * transparency-log entries offline against a trusted root, the publisher memory, and the {@code
 * attestations} rule.
 */
@NullMarked
package dev.pypiguard.policy.attestation;

import org.jspecify.annotations.NullMarked;
