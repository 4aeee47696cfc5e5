package dev.pypiguard.policy.rule;

import dev.pypiguard.core.project.Glob;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The {@value #NAME} rule (README §Fail closed): a release whose core metadata declares a
 * direct-URL dependency ({@code Requires-Dist: name @ https://...}, PEP 508 §URL_requirement) is
 * blocked, because pip would fetch that URL around the proxy, past every rule. Projects listed in
 * {@code metadata.allow-direct-urls} are let through.
 *
 * <p>It reads core metadata the proxy has stored (by the metadata file's sha256, PEP 658, or, for a
 * wheel whose upstream advertises none, the metadata generated from the wheel), never fetches: the
 * server fetches a file's metadata before it judges a download of the file or of its metadata, so
 * that what pip installs has always been checked; a page lists a file whose metadata nobody has
 * fetched yet, and drops it once the metadata is known to be bad.
 *
 * <p>Metadata that could not be read when a download needed it (the upstream failed, timed out or
 * contradicted itself; {@link Source#unreadable}) holds the file until {@link Unreadable#until}:
 * what it would require is unknown, so it is not served on a guess (README §Fail closed).
 */
public final class MetadataRule implements Rule {
  /** The rule name of every reason it gives. */
  public static final String NAME = "metadata";

  /** Where stored core metadata is read. Answers never block on the network. */
  public interface Source {
    /**
     * The text of the stored core metadata file with this sha256 (at least its header section, up
     * to the first blank line, which is all the rule reads), when stored and readable.
     */
    Optional<String> text(String metadataSha256);

    /**
     * Why the stored core metadata file with this sha256 cannot be read when {@link #text} gave
     * nothing for it although it is stored (its header section is longer than is read): the file is
     * then blocked, as what it requires is unknown.
     */
    default Optional<String> whyUnreadable(String metadataSha256) {
      return Optional.empty();
    }

    /** Changes whenever a metadata file is stored that could change an answer. */
    String generation();

    /**
     * The sha256 of the core metadata the proxy generated from the file with this sha256 (a wheel
     * whose upstream advertises none; README "Core metadata for every wheel"), once known.
     */
    default Optional<String> generated(dev.pypiguard.core.blob.Sha256 fileSha256) {
      return Optional.empty();
    }

    /**
     * Why a file's core metadata could not be read at the last attempt, while that still holds the
     * file. {@code key} is the sha256 the page advertised for the metadata, or, for a wheel whose
     * page advertises none, the wheel's sha256. A change of answer changes {@link #generation}.
     */
    default Optional<Unreadable> unreadable(String key) {
      return Optional.empty();
    }
  }

  /**
   * A failed attempt to read a file's core metadata: {@code why}, in a user's words, holds the file
   * until {@code until}, when a page lists it again and a download tries again.
   */
  public record Unreadable(String why, Instant until) {
    public Unreadable {
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(until, "until");
    }
  }

  /** {@code name [extras] @ url}, before any marker: PEP 508's URL form. */
  private static final Pattern DIRECT =
      Pattern.compile(
          "\\s*([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(\\[[^\\]]*\\])?\\s*@\\s*(\\S+).*", Pattern.DOTALL);

  private static final int CACHE_LIMIT = 10_000;

  private final List<Glob> allowed;
  private final Source source;
  private final Labels fingerprint = new Labels("metadata-");
  private final Map<String, Read> parsed = new ConcurrentHashMap<>();

  public MetadataRule(Policy.Metadata config, Source source) {
    this.allowed = Objects.requireNonNull(config, "config").allowDirectUrls();
    this.source = Objects.requireNonNull(source, "source");
  }

  @Override
  public void check(FileContext f, Findings out) {
    if (ProjectsRule.listed(allowed, f.project())) {
      return;
    }
    // Metadata advertised without a (well-formed) sha256 cannot be verified: a wheel's own is
    // read instead, as for a wheel without advertised metadata.
    Optional<String> advertised = f.file().metadataSha256();
    Optional<String> sha =
        advertised.isPresent() ? advertised : f.file().digest().flatMap(source::generated);
    Optional<Read> direct = sha.flatMap(this::directUrls);
    if (direct.isEmpty()) {
      advertised
          .or(() -> f.file().sha256())
          .flatMap(source::unreadable)
          .filter(u -> u.until().isAfter(f.now()))
          .ifPresent(
              u ->
                  out.block(
                      new Reason(
                          NAME,
                          u.why()
                              + "; held until it can be read, as it may require a URL pip would"
                              + " fetch around the proxy",
                          true,
                          Optional.of(u.until()))));
      return;
    }
    direct.get().block().ifPresent(out::block);
  }

  /**
   * What a stored metadata file says: the direct-URL requirements it names, or why it cannot be
   * read (which blocks as they would).
   */
  private record Read(List<String> direct, Optional<String> unreadable) {
    Optional<Reason> block() {
      if (unreadable.isPresent()) {
        return Optional.of(
            new Reason(
                NAME,
                "core metadata cannot be read ("
                    + unreadable.get()
                    + "): it may require a URL pip would fetch around the proxy"));
      }
      if (direct.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new Reason(
              NAME,
              "core metadata requires "
                  + String.join(", ", direct)
                  + ", which pip would fetch around the proxy (allow with metadata.allow-direct-urls)"));
    }
  }

  /** What the stored metadata file with this sha256 says, once stored. */
  private Optional<Read> directUrls(String sha) {
    Read read = parsed.get(sha);
    if (read == null) {
      Optional<String> text = source.text(sha);
      if (text.isPresent()) {
        read = new Read(directUrlRequirements(text.get()), Optional.empty());
      } else {
        Optional<String> why = source.whyUnreadable(sha);
        if (why.isEmpty()) {
          return Optional.empty();
        }
        read = new Read(List.of(), why);
      }
      if (parsed.size() < CACHE_LIMIT) {
        parsed.put(sha, read);
      }
    }
    return Optional.of(read);
  }

  /**
   * The {@code Requires-Dist} values of a core metadata file (its header part, before the first
   * blank line) that name a direct URL, as written.
   */
  public static List<String> directUrlRequirements(String metadata) {
    var out = new ArrayList<String>();
    for (String line : metadata.split("\r?\n", -1)) {
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !line.substring(0, colon).trim().equalsIgnoreCase("Requires-Dist")) {
        continue;
      }
      String value = line.substring(colon + 1).trim();
      int marker = value.indexOf(';');
      String requirement = marker < 0 ? value : value.substring(0, marker);
      if (DIRECT.matcher(requirement).matches()) {
        out.add(value);
      }
    }
    return out;
  }

  @Override
  public String fingerprint() {
    return fingerprint.of(source.generation());
  }
}
