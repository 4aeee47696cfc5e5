package dev.pypiguard.policy.advisory;

/**
 * Where advisories come from: files read in bulk ({@link OsvDirectorySource}, {@link OsvZipSource},
 * the {@link BundledSnapshot}) or online look-ups ({@link OsvApiSource}).
 */
public sealed interface AdvisorySource
    permits OsvDirectorySource, OsvZipSource, BundledSnapshot, OsvApiSource {
  /** Names it in logs and messages. */
  String describe();
}
