package dev.pypiguard.policy.advisory;

/**
 * Where advisories come from: files read in bulk ({@link OsvDirectorySource}, {@link
 * OsvZipSource}) or online look-ups ({@link OsvApiSource}).
 */
public sealed interface AdvisorySource permits OsvDirectorySource, OsvZipSource, OsvApiSource {
  /** Names it in logs and messages. */
  String describe();
}
