package dev.pypiguard.core.project;

import dev.pypiguard.core.version.Version;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A distribution file name parsed into its project, version and, for wheels, compatibility tags.
 *
 * <p>The version is kept as written because legacy uploads carry versions that are not valid PEP
 * 440; {@link #parsedVersion()} gives the PEP 440 reading when there is one. Tags are lower case,
 * as packaging's {@code Tag} makes them.
 *
 * @param filename the file name as given
 * @param kind what sort of distribution the name denotes
 * @param project the project, normalized (PEP 503)
 * @param version the version as written in the file name
 * @param buildTag the wheel build tag, if any
 * @param pythonTags the wheel python tags, or the egg / Windows installer {@code pyX.Y} tag
 * @param abiTags the wheel ABI tags; empty for other kinds
 * @param platformTags the wheel platform tags, or the egg / Windows installer platform
 */
public record DistributionFilename(
    String filename,
    Kind kind,
    ProjectName project,
    String version,
    Optional<String> buildTag,
    Set<String> pythonTags,
    Set<String> abiTags,
    Set<String> platformTags) {

  /** The sort of distribution a file name denotes. */
  public enum Kind {
    /** A binary wheel, {@code .whl} (binary distribution format specification). */
    WHEEL,
    /** A source distribution: {@code .tar.gz}, {@code .zip} and the legacy archive formats. */
    SDIST,
    /** A legacy setuptools egg, {@code .egg}. */
    EGG,
    /** A legacy Windows installer ({@code bdist_wininst} {@code .exe}, {@code bdist_msi}). */
    OTHER
  }

  /**
   * Archive suffixes a source distribution may have: every one pip accepts as an sdist ({@code
   * pip._internal.utils.filetypes.ARCHIVE_EXTENSIONS} without {@code .whl}), a superset of PEP
   * 527's. A file pip would install must never escape the judge because its name is odd.
   */
  private static final List<String> SDIST_SUFFIXES =
      List.of(
          ".tar.gz",
          ".tar.bz2",
          ".tar.xz",
          ".tar.lzma",
          ".tar.lz",
          ".tgz",
          ".tbz",
          ".txz",
          ".tlz",
          ".zip",
          ".tar");

  /** packaging's check on a wheel's name part: word characters, dots and single underscores. */
  private static final Pattern WHEEL_NAME =
      Pattern.compile("[\\w.]*", Pattern.UNICODE_CHARACTER_CLASS);

  /** {@code {name}-{version}.{platform}(-py{X.Y})?.exe|msi}, as distutils wrote them. */
  private static final Pattern WINDOWS_INSTALLER =
      Pattern.compile(
          "(?<stem>.+)\\.(?<platform>win32|win-amd64|win-arm32|win-arm64)"
              + "(?:-(?<python>py[0-9]+(?:\\.[0-9]+)?))?\\.(?:exe|msi)",
          Pattern.CASE_INSENSITIVE);

  public DistributionFilename {
    Objects.requireNonNull(filename, "filename");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(buildTag, "buildTag");
    pythonTags = copy(pythonTags);
    abiTags = copy(abiTags);
    platformTags = copy(platformTags);
  }

  private static Set<String> copy(Set<String> tags) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(tags)));
  }

  /**
   * Parses a file name, or returns empty when it is not a recognizable distribution name.
   *
   * <p>A legacy source distribution name is ambiguous when the project name contains dashes; this
   * splits at the first dash whose remainder is a PEP 440 version, else at the first dash followed
   * by a digit (or {@code v} and a digit), else at the last dash. Use {@link #parse(String,
   * ProjectName)} when the project is known.
   */
  public static Optional<DistributionFilename> parse(String filename) {
    return parse(filename, Optional.empty());
  }

  /**
   * Parses the name of a file of {@code project}, or returns empty when it is not a distribution of
   * that project.
   *
   * <p>The project name in the file is compared after PEP 503 normalization, so {@code
   * python_dateutil-2.8.2.tar.gz} and {@code Python-DateUtil-2.8.2.tar.gz} both belong to {@code
   * python-dateutil}. The version must start with a digit (or {@code v} and a digit).
   */
  public static Optional<DistributionFilename> parse(String filename, ProjectName project) {
    return parse(filename, Optional.of(Objects.requireNonNull(project, "project")));
  }

  private static Optional<DistributionFilename> parse(
      String filename, Optional<ProjectName> known) {
    if (filename == null
        || filename.isEmpty()
        || filename.indexOf('/') >= 0
        || filename.indexOf('\\') >= 0) {
      return Optional.empty();
    }
    String lower = filename.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".whl")) {
      return wheel(filename, known);
    }
    if (lower.endsWith(".egg")) {
      return egg(filename, known);
    }
    for (String suffix : SDIST_SUFFIXES) {
      if (lower.endsWith(suffix)) {
        String stem = filename.substring(0, filename.length() - suffix.length());
        return split(stem, known)
            .map(
                nv ->
                    new DistributionFilename(
                        filename,
                        Kind.SDIST,
                        nv.project(),
                        nv.version(),
                        Optional.empty(),
                        Set.of(),
                        Set.of(),
                        Set.of()));
      }
    }
    Matcher m = WINDOWS_INSTALLER.matcher(filename);
    if (m.matches()) {
      Set<String> python =
          m.group("python") == null ? Set.of() : Set.of(m.group("python").toLowerCase(Locale.ROOT));
      Set<String> platform = Set.of(m.group("platform").toLowerCase(Locale.ROOT));
      return split(m.group("stem"), known)
          .map(
              nv ->
                  new DistributionFilename(
                      filename,
                      Kind.OTHER,
                      nv.project(),
                      nv.version(),
                      Optional.empty(),
                      python,
                      Set.of(),
                      platform));
    }
    return Optional.empty();
  }

  /**
   * Binary distribution format §File name convention: {@code
   * {name}-{ver}(-{build})?-{python}-{abi}-{platform}.whl}, where dashes in the name and version
   * are escaped as {@code _}, the build tag starts with a digit, and each tag may be a compressed
   * set such as {@code py2.py3}. As packaging's {@code parse_wheel_filename} (which pip uses): 4 or
   * 5 dashes, a name part of word characters and dots without {@code __}, and tag sets whose
   * members may be empty ({@code py3.-none-any} is accepted by pip, so it is named here and judged
   * like any other wheel).
   */
  private static Optional<DistributionFilename> wheel(
      String filename, Optional<ProjectName> known) {
    String stem = filename.substring(0, filename.length() - ".whl".length());
    String[] parts = stem.split("-", -1);
    if (parts.length != 5 && parts.length != 6) {
      return Optional.empty();
    }
    if (parts[0].isEmpty()
        || parts[1].isEmpty()
        || parts[0].contains("__")
        || !WHEEL_NAME.matcher(parts[0]).matches()) {
      return Optional.empty();
    }
    Optional<ProjectName> name = matchingName(parts[0], known);
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> build = Optional.empty();
    if (parts.length == 6) {
      if (parts[2].isEmpty()) {
        return Optional.empty();
      }
      char first = parts[2].charAt(0);
      if (first < '0' || first > '9') {
        return Optional.empty();
      }
      build = Optional.of(parts[2]);
    }
    int t = parts.length - 3;
    Optional<Set<String>> python = tagSet(parts[t]);
    Optional<Set<String>> abi = tagSet(parts[t + 1]);
    Optional<Set<String>> platform = tagSet(parts[t + 2]);
    if (python.isEmpty() || abi.isEmpty() || platform.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new DistributionFilename(
            filename,
            Kind.WHEEL,
            name.get(),
            parts[1],
            build,
            python.get(),
            abi.get(),
            platform.get()));
  }

  /**
   * A compressed tag set ({@code py2.py3}), lower case. Empty members are kept, as packaging's
   * {@code parse_tag} keeps them.
   */
  private static Optional<Set<String>> tagSet(String compressed) {
    Set<String> tags = new LinkedHashSet<>();
    for (String tag : compressed.split("\\.", -1)) {
      tags.add(tag.toLowerCase(Locale.ROOT));
    }
    return Optional.of(tags);
  }

  /**
   * setuptools' egg names: {@code {name}-{version}(-py{X.Y}(-{platform})?)?.egg}, with dashes in
   * the name and version escaped as {@code _}; the platform may itself contain dashes.
   */
  private static Optional<DistributionFilename> egg(String filename, Optional<ProjectName> known) {
    String stem = filename.substring(0, filename.length() - ".egg".length());
    String[] parts = stem.split("-", 4);
    if (parts.length < 2 || parts[1].isEmpty()) {
      return Optional.empty();
    }
    Optional<ProjectName> name = matchingName(parts[0], known);
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Set<String> python = Set.of();
    Set<String> platform = Set.of();
    if (parts.length >= 3) {
      if (!parts[2].toLowerCase(Locale.ROOT).startsWith("py") || parts[2].length() < 3) {
        return Optional.empty();
      }
      python = Set.of(parts[2].toLowerCase(Locale.ROOT));
    }
    if (parts.length == 4) {
      if (parts[3].isEmpty()) {
        return Optional.empty();
      }
      platform = Set.of(parts[3].toLowerCase(Locale.ROOT));
    }
    return Optional.of(
        new DistributionFilename(
            filename,
            Kind.EGG,
            name.get(),
            parts[1],
            Optional.empty(),
            python,
            Set.of(),
            platform));
  }

  /** A name and version split out of a {@code {name}-{version}} stem. */
  private record NameVersion(ProjectName project, String version) {}

  private static Optional<NameVersion> split(String stem, Optional<ProjectName> known) {
    if (known.isPresent()) {
      // The known project tells where the name ends, whatever dashes either side contains. The
      // version must still look like one (start with a digit, optionally after 'v'), so that
      // python-dateutil-2.8.2.tar.gz is never taken for version "dateutil-2.8.2" of "python".
      for (int i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
        Optional<NameVersion> nv = at(stem, i);
        if (nv.isPresent()
            && nv.get().project().equals(known.get())
            && startsLikeVersion(nv.get().version())) {
          return nv;
        }
      }
      return Optional.empty();
    }
    for (int i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
      Optional<NameVersion> nv = at(stem, i);
      if (nv.isPresent() && Version.tryParse(nv.get().version()).isPresent()) {
        return nv;
      }
    }
    for (int i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
      Optional<NameVersion> nv = at(stem, i);
      if (nv.isPresent() && startsLikeVersion(nv.get().version())) {
        return nv;
      }
    }
    return at(stem, stem.lastIndexOf('-'));
  }

  /**
   * Whether {@code s} starts with a digit, or with {@code v} and a digit (PEP 440 §Preceding v).
   */
  private static boolean startsLikeVersion(String s) {
    int i = s.length() > 1 && (s.charAt(0) == 'v' || s.charAt(0) == 'V') ? 1 : 0;
    return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9';
  }

  /** The split at dash {@code i}, when the name part is a project name and a version follows. */
  private static Optional<NameVersion> at(String stem, int i) {
    if (i <= 0 || i == stem.length() - 1) {
      return Optional.empty();
    }
    return ProjectName.parse(stem.substring(0, i))
        .map(name -> new NameVersion(name, stem.substring(i + 1)));
  }

  private static Optional<ProjectName> matchingName(String raw, Optional<ProjectName> known) {
    Optional<ProjectName> name = ProjectName.parse(raw);
    if (known.isPresent() && !name.equals(known)) {
      return Optional.empty();
    }
    return name;
  }

  /** The version read as PEP 440, or empty for a legacy version that is not valid PEP 440. */
  public Optional<Version> parsedVersion() {
    return Version.tryParse(version);
  }

  /**
   * Every {@code python-abi-platform} triple a wheel declares, its compressed tag sets expanded;
   * empty for kinds other than {@link Kind#WHEEL}.
   */
  public Set<String> tags() {
    Set<String> tags = new LinkedHashSet<>();
    for (String python : pythonTags) {
      for (String abi : abiTags) {
        for (String platform : platformTags) {
          tags.add(python + "-" + abi + "-" + platform);
        }
      }
    }
    return Collections.unmodifiableSet(tags);
  }

  /**
   * Whether {@code other} names the same distribution: same kind, project, version (compared as PEP
   * 440 when both parse), build tag, archive format and tags, in whatever order or spelling the two
   * names write them.
   */
  public boolean sameDistribution(DistributionFilename other) {
    Optional<Version> mine = parsedVersion();
    Optional<Version> theirs = other.parsedVersion();
    boolean sameVersion =
        mine.isPresent() && theirs.isPresent()
            ? mine.equals(theirs)
            : version.equalsIgnoreCase(other.version);
    return kind == other.kind
        && project.equals(other.project)
        && sameVersion
        && buildTag.equals(other.buildTag)
        && extension().equals(other.extension())
        && pythonTags.equals(other.pythonTags)
        && abiTags.equals(other.abiTags)
        && platformTags.equals(other.platformTags);
  }

  /** The archive format, lower case, such as {@code .tar.gz}. */
  private String extension() {
    String lower = filename.toLowerCase(Locale.ROOT);
    for (String suffix : SDIST_SUFFIXES) {
      if (lower.endsWith(suffix)) {
        return suffix;
      }
    }
    int dot = lower.lastIndexOf('.');
    return dot < 0 ? "" : lower.substring(dot);
  }
}
