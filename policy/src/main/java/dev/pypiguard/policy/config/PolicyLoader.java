package dev.pypiguard.policy.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pypiguard.core.config.ConfigException;
import dev.pypiguard.core.config.Durations;
import dev.pypiguard.core.config.Until;
import dev.pypiguard.core.config.YamlDocument;
import dev.pypiguard.core.project.Glob;
import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.core.version.InvalidSpecifierException;
import dev.pypiguard.core.version.SpecifierSet;
import dev.pypiguard.policy.Policy;
import dev.pypiguard.policy.advisory.AdvisoryIgnore;
import dev.pypiguard.policy.advisory.AdvisoryPolicy;
import dev.pypiguard.policy.advisory.OnUnavailable;
import dev.pypiguard.policy.attestation.AttestationFormatException;
import dev.pypiguard.policy.attestation.AttestationPolicy;
import dev.pypiguard.policy.attestation.Publisher;
import dev.pypiguard.policy.attestation.PublisherRequirement;
import dev.pypiguard.policy.attestation.TrustedRoot;
import dev.pypiguard.policy.inspection.Action;
import dev.pypiguard.policy.inspection.InspectionPolicy;
import dev.pypiguard.policy.names.LookalikePolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads a policy file (README "Policy") into a {@link Policy}, reporting every problem at once,
 * each as {@code file:line: key: message (expected: ...)}.
 *
 * <p>An empty file is {@link Policy#DEFAULTS}; a key set to nothing ({@code deny:}) keeps its
 * default. A relative {@code attestations.trusted-root} is read from the policy file's directory
 * (the working directory for parsed text), and is loaded here so that a bad root is refused with
 * the policy rather than when the first file is verified.
 */
public final class PolicyLoader {
  private static final Set<String> TOP =
      Set.of(
          "mode",
          "projects",
          "versions",
          "release-age",
          "files",
          "exceptions",
          "advisories",
          "attestations",
          "metadata",
          "inspection",
          "lookalikes");
  private static final Set<String> ATTESTATIONS =
      Set.of("verify", "require", "publisher-change", "trusted-root");
  private static final Set<String> REQUIRE = Set.of("project", "publisher");
  private static final String PUBLISHER =
      "{kind: GitHub, repository, workflow, environment?} | {kind: GitLab, repository,"
          + " workflow_filepath, environment?} | {kind: Google, email}";
  private static final Set<String> ADVISORIES =
      Set.of("malicious", "vulnerable", "min-severity", "ignore", "on-unavailable");
  private static final Set<String> ADVISORY_IGNORE = Set.of("id", "until", "reason");
  private static final Set<String> PROJECTS = Set.of("allow", "deny");
  private static final Set<String> INSPECTION = Set.of("rules");
  private static final Set<String> LOOKALIKES = Set.of("action", "popular", "allow");
  private static final Set<String> VERSIONS = Set.of("deny", "allow");
  private static final Set<String> RELEASE_AGE =
      Set.of("minimum", "exempt", "unknown", "not-after");
  private static final Set<String> FILES =
      Set.of("yanked", "yank", "sdists", "weak-hashes", "blocked");
  private static final Set<String> EXCEPTION =
      Set.of("project", "versions", "until", "reason", "sha256", "date");
  private static final String SHA256 = "a list of sha256 hex digests, 64 characters each";
  private static final java.util.regex.Pattern HEX64 =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");

  private static final String SPECIFIERS = "PEP 440 specifiers like \">=1.0,<2\" or \"==3.1.2\"";
  private static final String DATE =
      "a date like 2027-01-31 or an RFC 3339 time like 2027-01-31T12:00:00Z";

  private PolicyLoader() {}

  /** Reads and checks a policy file. */
  public static Policy load(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    return new Reader(YamlDocument.read(file), dir == null ? Path.of("") : dir).policy();
  }

  /**
   * Parses and checks policy text read from a file in {@code dir}, against which a relative {@code
   * attestations.trusted-root} is resolved; {@code sourceName} names it in messages.
   */
  public static Policy parse(String sourceName, String yamlText, Path dir) {
    return new Reader(YamlDocument.parse(sourceName, yamlText), dir).policy();
  }

  /** Parses and checks policy text; {@code sourceName} names it in messages. */
  public static Policy parse(String sourceName, String yamlText) {
    return build(YamlDocument.parse(sourceName, yamlText));
  }

  private static Policy build(YamlDocument doc) {
    return new Reader(doc, Path.of("")).policy();
  }

  /** One pass over a document, recording problems as it goes. */
  private static final class Reader {
    private final YamlDocument doc;
    private final Path dir;

    Reader(YamlDocument doc, Path dir) {
      this.doc = doc;
      this.dir = dir;
    }

    Policy policy() {
      JsonNode root = doc.root();
      if (root.isNull() || root.isMissingNode()) {
        return Policy.DEFAULTS;
      }
      if (!root.isObject()) {
        throw new ConfigException(
            doc.source()
                + ": "
                + kind(root)
                + " (expected: a mapping with keys "
                + list(TOP)
                + ")");
      }
      doc.allowOnly(root, "", TOP);
      Policy.Mode mode =
          choice(root, "mode", Policy.Mode.values(), Policy.Mode::spelling)
              .orElse(Policy.Mode.ENFORCE);
      Policy.Projects projects = projects(section(root, "projects", PROJECTS));
      Policy.Versions versions = versions(section(root, "versions", VERSIONS));
      Policy.ReleaseAge age = releaseAge(section(root, "release-age", RELEASE_AGE));
      Policy.Files files = files(section(root, "files", FILES));
      List<Policy.Waiver> exceptions = exceptions(root);
      AdvisoryPolicy advisories = advisories(section(root, "advisories", ADVISORIES));
      AttestationPolicy attestations = attestations(section(root, "attestations", ATTESTATIONS));
      Optional<JsonNode> meta = section(root, "metadata", Set.of("allow-direct-urls"));
      Policy.Metadata metadata =
          new Policy.Metadata(
              meta.map(m -> globs(m, "metadata.allow-direct-urls")).orElse(List.of()));
      InspectionPolicy inspection = inspection(section(root, "inspection", INSPECTION));
      LookalikePolicy lookalikes = lookalikes(section(root, "lookalikes", LOOKALIKES));
      doc.check();
      return new Policy(
          mode,
          projects,
          versions,
          age,
          files,
          exceptions,
          advisories,
          attestations,
          metadata,
          inspection,
          lookalikes);
    }

    /** {@code inspection}: present turns inspection on; {@code rules} maps check ids to actions. */
    private InspectionPolicy inspection(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return InspectionPolicy.NONE;
      }
      var actions = new java.util.TreeMap<String, Action>();
      Optional<JsonNode> rules = child(node.get(), "rules");
      String ids =
          String.join(
              ", ",
              java.util.Arrays.stream(dev.pypiguard.policy.inspection.Check.values())
                  .map(dev.pypiguard.policy.inspection.Check::id)
                  .sorted()
                  .toList());
      if (rules.isPresent() && !rules.get().isObject()) {
        doc.problem(
            "inspection.rules",
            kind(rules.get()) + " (expected: a mapping of check to block | hold | warn | off)");
      } else if (rules.isPresent()) {
        for (var f :
            (Iterable<java.util.Map.Entry<String, JsonNode>>) rules.get().properties()::iterator) {
          String path = "inspection.rules." + f.getKey();
          if (dev.pypiguard.policy.inspection.Check.byId(f.getKey()).isEmpty()) {
            doc.problem(
                path, "unknown check \"" + f.getKey() + "\" (expected one of: " + ids + ")");
            continue;
          }
          if (f.getValue().isBoolean() && !f.getValue().asBoolean()) {
            // YAML 1.1 reads an unquoted off as false: it can only mean off here.
            actions.put(f.getKey(), Action.OFF);
            continue;
          }
          choice(rules.get(), path, Action.values(), Action::spelling)
              .ifPresent(a -> actions.put(f.getKey(), a));
        }
      }
      return new InspectionPolicy(true, actions);
    }

    /**
     * {@code lookalikes}: {@code action} (default hold), extra {@code popular} names, {@code allow}
     * globs.
     */
    private LookalikePolicy lookalikes(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return LookalikePolicy.OFF;
      }
      Action action =
          choice(node.get(), "lookalikes.action", Action.values(), Action::spelling)
              .orElse(Action.HOLD);
      var popular = new ArrayList<String>();
      Optional<JsonNode> p = child(node.get(), "popular");
      if (p.isPresent() && !p.get().isArray()) {
        doc.problem("lookalikes.popular", kind(p.get()) + " (expected: a list of project names)");
      } else if (p.isPresent()) {
        int i = 0;
        for (JsonNode item : p.get()) {
          String path = "lookalikes.popular[" + i++ + "]";
          Optional<ProjectName> name =
              item.isValueNode() ? ProjectName.parse(item.asText()) : Optional.empty();
          if (name.isEmpty()) {
            doc.problem(path, kind(item) + " (expected: a project name)");
          } else {
            popular.add(name.get().value());
          }
        }
      }
      return new LookalikePolicy(action, popular, globs(node.get(), "lookalikes.allow"));
    }

    private Policy.Projects projects(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return Policy.Projects.NONE;
      }
      return new Policy.Projects(
          globs(node.get(), "projects.allow"), globs(node.get(), "projects.deny"));
    }

    private Policy.Versions versions(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return Policy.Versions.NONE;
      }
      return new Policy.Versions(
          specMap(node.get(), "versions.deny"), specMap(node.get(), "versions.allow"));
    }

    private Policy.ReleaseAge releaseAge(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return Policy.ReleaseAge.OFF;
      }
      JsonNode n = node.get();
      Duration minimum =
          scalar(n, "release-age.minimum", Durations.EXPECTED)
              .flatMap(s -> parsed(s, "release-age.minimum", Durations::parse, Durations.EXPECTED))
              .orElse(Duration.ZERO);
      List<Glob> exempt = globs(n, "release-age.exempt");
      Policy.UnknownUploadTime unknown =
          choice(
                  n,
                  "release-age.unknown",
                  Policy.UnknownUploadTime.values(),
                  Policy.UnknownUploadTime::spelling)
              .orElse(Policy.UnknownUploadTime.BLOCK);
      Optional<Instant> notAfter =
          scalar(n, "release-age.not-after", DATE)
              .flatMap(s -> parsed(s, "release-age.not-after", t -> instant(t, false), DATE));
      return new Policy.ReleaseAge(minimum, exempt, unknown, notAfter);
    }

    private Policy.Files files(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return Policy.Files.DEFAULTS;
      }
      JsonNode n = node.get();
      Policy.YankedFiles yanked =
          choice(n, "files.yanked", Policy.YankedFiles.values(), Policy.YankedFiles::spelling)
              .orElse(Policy.YankedFiles.KEEP);
      Map<ProjectName, SpecifierSet> yank = specMap(n, "files.yank");
      Policy.Sdists sdists =
          choice(n, "files.sdists", Policy.Sdists.values(), Policy.Sdists::spelling)
              .orElse(Policy.Sdists.ALLOW);
      Policy.WeakHashes weak =
          choice(n, "files.weak-hashes", Policy.WeakHashes.values(), Policy.WeakHashes::spelling)
              .orElse(Policy.WeakHashes.BLOCK);
      Policy.BlockedFiles blocked =
          choice(n, "files.blocked", Policy.BlockedFiles.values(), Policy.BlockedFiles::spelling)
              .orElse(Policy.BlockedFiles.HIDE);
      return new Policy.Files(yanked, yank, sdists, weak, blocked);
    }

    /**
     * The objects of a list key, each with its path ({@code key[i]}); a key that is not a list, and
     * entries that are not objects, are recorded as problems and skipped.
     */
    private List<java.util.Map.Entry<String, JsonNode>> objects(
        Optional<JsonNode> list, String listPath, String expected) {
      var out = new ArrayList<java.util.Map.Entry<String, JsonNode>>();
      if (list.isEmpty()) {
        return out;
      }
      if (!list.get().isArray()) {
        doc.problem(listPath, kind(list.get()) + " (expected: " + expected + ")");
        return out;
      }
      int i = 0;
      for (JsonNode e : list.get()) {
        String path = listPath + "[" + i++ + "]";
        if (e.isObject()) {
          out.add(java.util.Map.entry(path, e));
        } else {
          doc.problem(path, kind(e) + " (expected: " + expected + ")");
        }
      }
      return out;
    }

    private List<Policy.Waiver> exceptions(JsonNode root) {
      var out = new ArrayList<Policy.Waiver>();
      for (var entry :
          objects(
              child(root, "exceptions"),
              "exceptions",
              "a list of {project, versions, until, reason, sha256 | date} entries")) {
        String path = entry.getKey();
        JsonNode e = entry.getValue();
        doc.allowOnly(e, path, EXCEPTION);
        List<String> sha256s = sha256s(e, path + ".sha256");
        Optional<Instant> date =
            scalar(e, path + ".date", DATE)
                .flatMap(s -> parsed(s, path + ".date", t -> instant(t, false), DATE));
        boolean coverageOk = !sha256s.isEmpty() || date.isPresent();
        if (!coverageOk && child(e, "sha256").isEmpty() && child(e, "date").isEmpty()) {
          // Fail closed (README §Fail closed): an exception covers the files that existed when
          // it was written, so it must say which (sha256) or when it was written (date).
          doc.problem(
              path,
              "neither sha256 nor date (expected: sha256: [the files it covers] or"
                  + " date: the day it was written, so that files uploaded later are not covered)");
        }
        Optional<Glob> project =
            required(e, path, "project", Glob.EXPECTED)
                .flatMap(s -> parsed(s, path + ".project", PolicyLoader::glob, Glob.EXPECTED));
        Optional<SpecifierSet> versions =
            scalar(e, path + ".versions", SPECIFIERS)
                .flatMap(s -> parsed(s, path + ".versions", PolicyLoader::specifiers, SPECIFIERS));
        Optional<Until> until =
            required(e, path, "until", DATE)
                .flatMap(
                    s ->
                        parsed(s, path + ".until", t -> instant(t, true), DATE)
                            .map(end -> new Until(s, end)));
        Optional<String> reason =
            required(e, path, "reason", "why the exception exists, like a ticket number")
                .filter(
                    r -> {
                      if (r.isBlank()) {
                        doc.problem(
                            path + ".reason",
                            "\"\" (expected: why the exception exists, like a ticket number)");
                      }
                      return !r.isBlank();
                    });
        boolean versionsOk = child(e, "versions").isEmpty() || versions.isPresent();
        if (project.isPresent()
            && until.isPresent()
            && reason.isPresent()
            && versionsOk
            && coverageOk) {
          out.add(
              new Policy.Waiver(
                  project.get(), versions, until.get(), reason.get().strip(), sha256s, date));
        }
      }
      return out;
    }

    /**
     * {@code advisories}. Absent: malicious blocked, vulnerable allowed. Present: {@code
     * vulnerable} defaults to block and {@code min-severity} to medium, since writing the section
     * at all asks for advisories to be acted on.
     */
    private AdvisoryPolicy advisories(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return AdvisoryPolicy.DEFAULTS;
      }
      JsonNode n = node.get();
      scalar(n, "advisories.malicious", "block")
          .filter(s -> !s.equals("block"))
          .ifPresent(
              s ->
                  doc.problem(
                      "advisories.malicious",
                      "\"" + s + "\" (expected: block; no policy can allow malicious releases)"));
      Optional<JsonNode> vuln = child(n, "vulnerable");
      boolean vulnerable = true;
      if (vuln.isPresent() && vuln.get().isBoolean()) {
        doc.problem(
            "advisories.vulnerable",
            vuln.get().asText() + ", a YAML boolean (expected: block | allow)");
      } else {
        Optional<String> v = scalar(n, "advisories.vulnerable", "block | allow");
        if (v.isPresent() && !v.get().equals("block") && !v.get().equals("allow")) {
          doc.problem("advisories.vulnerable", "\"" + v.get() + "\" (expected: block | allow)");
        }
        vulnerable = v.map(s -> !s.equals("allow")).orElse(true);
      }
      dev.pypiguard.policy.advisory.Severity min =
          choice(
                  n,
                  "advisories.min-severity",
                  new dev.pypiguard.policy.advisory.Severity[] {
                    dev.pypiguard.policy.advisory.Severity.LOW,
                    dev.pypiguard.policy.advisory.Severity.MEDIUM,
                    dev.pypiguard.policy.advisory.Severity.HIGH,
                    dev.pypiguard.policy.advisory.Severity.CRITICAL
                  },
                  dev.pypiguard.policy.advisory.Severity::spelling)
              .orElse(dev.pypiguard.policy.advisory.Severity.MEDIUM);
      var ignore = new ArrayList<AdvisoryIgnore>();
      {
        for (var entry :
            objects(
                child(n, "ignore"), "advisories.ignore", "a list of {id, until, reason} entries")) {
          String path = entry.getKey();
          JsonNode e = entry.getValue();
          doc.allowOnly(e, path, ADVISORY_IGNORE);
          Optional<String> id =
              required(e, path, "id", "an advisory id like PYSEC-2024-1").map(String::strip);
          Optional<Until> until =
              required(e, path, "until", DATE)
                  .flatMap(
                      s ->
                          parsed(s, path + ".until", t -> instant(t, true), DATE)
                              .map(end -> new Until(s, end)));
          Optional<String> reason =
              required(e, path, "reason", "why it is ignored").map(String::strip);
          if (id.isPresent() && id.get().isEmpty()) {
            doc.problem(path + ".id", "\"\" (expected: an advisory id like PYSEC-2024-1)");
          } else if (reason.isPresent() && reason.get().isEmpty()) {
            doc.problem(path + ".reason", "\"\" (expected: why it is ignored)");
          } else if (id.isPresent() && until.isPresent() && reason.isPresent()) {
            ignore.add(new AdvisoryIgnore(id.get(), until.get(), reason.get()));
          }
        }
      }
      OnUnavailable onUnavailable =
          choice(n, "advisories.on-unavailable", OnUnavailable.values(), OnUnavailable::spelling)
              .orElse(OnUnavailable.HOLD);
      return new AdvisoryPolicy(vulnerable, min, ignore, onUnavailable);
    }

    /**
     * {@code attestations}. Absent: no attestation rules. Present: {@code verify} defaults to true,
     * since writing the section asks for provenance to count; {@code publisher-change} defaults to
     * allow, as it keeps state.
     */
    private AttestationPolicy attestations(Optional<JsonNode> node) {
      if (node.isEmpty()) {
        return AttestationPolicy.NONE;
      }
      JsonNode n = node.get();
      boolean verify = true;
      Optional<JsonNode> v = child(n, "verify");
      if (v.isPresent()) {
        if (v.get().isBoolean()) {
          verify = v.get().booleanValue();
        } else {
          doc.problem("attestations.verify", kind(v.get()) + " (expected: true | false)");
        }
      }
      boolean change =
          scalar(n, "attestations.publisher-change", "block | allow")
              .map(
                  s -> {
                    if (!s.equals("block") && !s.equals("allow")) {
                      doc.problem(
                          "attestations.publisher-change",
                          "\"" + s + "\" (expected: block | allow)");
                    }
                    return s.equals("block");
                  })
              .orElse(false);
      Optional<Path> root =
          scalar(n, "attestations.trusted-root", "a trusted_root.json file")
              .flatMap(s -> trustedRoot(s.strip()));
      var require = new ArrayList<PublisherRequirement>();
      {
        for (var entry :
            objects(
                child(n, "require"),
                "attestations.require",
                "a list of {project, publisher} entries")) {
          String path = entry.getKey();
          JsonNode e = entry.getValue();
          doc.allowOnly(e, path, REQUIRE);
          Optional<Glob> project =
              required(e, path, "project", Glob.EXPECTED)
                  .flatMap(s -> parsed(s, path + ".project", PolicyLoader::glob, Glob.EXPECTED));
          Optional<Publisher> publisher = Optional.empty();
          if (child(e, "publisher").isEmpty()) {
            doc.problem(path, "missing key publisher (expected: " + PUBLISHER + ")");
          } else {
            publisher = publisher(e.get("publisher"), path + ".publisher");
          }
          if (project.isPresent() && publisher.isPresent()) {
            require.add(new PublisherRequirement(project.get(), publisher.get()));
          }
        }
      }
      return new AttestationPolicy(verify, require, change, root);
    }

    private Optional<Path> trustedRoot(String written) {
      Path file = dir.resolve(written);
      try {
        TrustedRoot.load(file);
        return Optional.of(file);
      } catch (IOException e) {
        doc.problem(
            "attestations.trusted-root",
            "\"" + written + "\" cannot be read: " + e + " (expected: a trusted_root.json file)");
      } catch (AttestationFormatException e) {
        doc.problem(
            "attestations.trusted-root", e.getMessage() + " (expected: a trusted_root.json file)");
      }
      return Optional.empty();
    }

    private Optional<Publisher> publisher(JsonNode p, String path) {
      if (!p.isObject()) {
        doc.problem(path, kind(p) + " (expected: " + PUBLISHER + ")");
        return Optional.empty();
      }
      Optional<String> kind = required(p, path, "kind", "GitHub | GitLab | Google");
      if (kind.isEmpty()) {
        return Optional.empty();
      }
      switch (kind.get()) {
        case "GitHub":
          {
            doc.allowOnly(p, path, Set.of("kind", "repository", "workflow", "environment"));
            Optional<String> repo = required(p, path, "repository", "owner/name");
            Optional<String> wf =
                required(p, path, "workflow", "a workflow file name like release.yml");
            Optional<String> env = scalar(p, path + ".environment", "a GitHub environment name");
            return repo.isPresent() && wf.isPresent()
                ? Optional.of(new Publisher.GitHub(repo.get().strip(), wf.get().strip(), env))
                : Optional.empty();
          }
        case "GitLab":
          {
            doc.allowOnly(
                p, path, Set.of("kind", "repository", "workflow_filepath", "environment"));
            Optional<String> repo = required(p, path, "repository", "namespace/project");
            Optional<String> wf =
                required(p, path, "workflow_filepath", "a CI file path like .gitlab-ci.yml");
            Optional<String> env = scalar(p, path + ".environment", "a GitLab environment name");
            return repo.isPresent() && wf.isPresent()
                ? Optional.of(new Publisher.GitLab(repo.get().strip(), wf.get().strip(), env))
                : Optional.empty();
          }
        case "Google":
          {
            doc.allowOnly(p, path, Set.of("kind", "email"));
            return required(p, path, "email", "a service account email")
                .map(s -> new Publisher.Google(s.strip()));
          }
        default:
          doc.problem(
              path + ".kind", "\"" + kind.get() + "\" (expected: GitHub | GitLab | Google)");
          return Optional.empty();
      }
    }

    // --- helpers -------------------------------------------------------------------------

    /** A section's mapping, with its unknown keys reported; empty when absent or not a mapping. */
    private Optional<JsonNode> section(JsonNode root, String key, Set<String> known) {
      Optional<JsonNode> n = child(root, key);
      if (n.isEmpty()) {
        return n;
      }
      if (!n.get().isObject()) {
        doc.problem(key, kind(n.get()) + " (expected: a mapping with keys " + list(known) + ")");
        return Optional.empty();
      }
      doc.allowOnly(n.get(), key, known);
      return n;
    }

    /** A list of globs at {@code path} (the last segment is the key under {@code parent}). */
    private List<Glob> globs(JsonNode parent, String path) {
      Optional<JsonNode> n = child(parent, last(path));
      if (n.isEmpty()) {
        return List.of();
      }
      String expected = "a list of project-name globs like [\"evil-*\"]";
      if (!n.get().isArray()) {
        doc.problem(path, kind(n.get()) + " (expected: " + expected + ")");
        return List.of();
      }
      var out = new ArrayList<Glob>();
      int i = 0;
      for (JsonNode item : n.get()) {
        String p = path + "[" + i++ + "]";
        if (!item.isValueNode() || item.isNull()) {
          doc.problem(p, kind(item) + " (expected: " + Glob.EXPECTED + ")");
          continue;
        }
        parsed(item.asText(), p, PolicyLoader::glob, Glob.EXPECTED).ifPresent(out::add);
      }
      return out;
    }

    /** A list of sha256 digests (one digest alone is a list of one), lower case. */
    private List<String> sha256s(JsonNode parent, String path) {
      Optional<JsonNode> n = child(parent, last(path));
      if (n.isEmpty()) {
        return List.of();
      }
      var items = new ArrayList<java.util.Map.Entry<String, JsonNode>>();
      if (n.get().isArray()) {
        int i = 0;
        for (JsonNode item : n.get()) {
          items.add(java.util.Map.entry(path + "[" + i++ + "]", item));
        }
      } else {
        items.add(java.util.Map.entry(path, n.get()));
      }
      var out = new ArrayList<String>();
      for (var item : items) {
        value(item.getValue(), item.getKey(), SHA256)
            .flatMap(
                h ->
                    parsed(
                        h.strip(),
                        item.getKey(),
                        t ->
                            HEX64.matcher(t).matches()
                                ? Optional.of(t.toLowerCase(java.util.Locale.ROOT))
                                : Optional.empty(),
                        SHA256))
            .ifPresent(out::add);
      }
      if (out.isEmpty() && items.isEmpty()) {
        doc.problem(path, "an empty list (expected: " + SHA256 + ")");
      }
      return out;
    }

    /** A mapping of project name to specifier set. */
    private Map<ProjectName, SpecifierSet> specMap(JsonNode parent, String path) {
      Optional<JsonNode> n = child(parent, last(path));
      if (n.isEmpty()) {
        return Map.of();
      }
      if (!n.get().isObject()) {
        doc.problem(
            path,
            kind(n.get())
                + " (expected: a mapping of project to specifiers, like {requests: \"<2.31\"})");
        return Map.of();
      }
      var out = new LinkedHashMap<ProjectName, SpecifierSet>();
      var firstKey = new LinkedHashMap<ProjectName, String>();
      n.get()
          .properties()
          .forEach(
              f -> {
                String p = path + "." + f.getKey();
                Optional<ProjectName> name = ProjectName.parse(f.getKey());
                if (name.isEmpty()) {
                  doc.problem(
                      p,
                      "\""
                          + f.getKey()
                          + "\" (expected: a project name of letters, digits, '-', '_' and '.')");
                  return;
                }
                String earlier = firstKey.putIfAbsent(name.get(), f.getKey());
                if (earlier != null) {
                  doc.problem(
                      p,
                      "the same project as "
                          + path
                          + "."
                          + earlier
                          + " (expected: each project once)");
                  return;
                }
                value(f.getValue(), p, SPECIFIERS)
                    .flatMap(s -> parsed(s, p, PolicyLoader::specifiers, SPECIFIERS))
                    .ifPresent(s -> out.put(name.get(), s));
              });
      return out;
    }

    private <E extends Enum<E>> Optional<E> choice(
        JsonNode parent, String path, E[] values, Function<E, String> spelling) {
      String expected = String.join(" | ", java.util.Arrays.stream(values).map(spelling).toList());
      Optional<JsonNode> node = child(parent, last(path));
      if (node.isPresent() && node.get().isBoolean()) {
        // YAML 1.1 reads an unquoted no, yes, off or on as a boolean, not as the word.
        doc.problem(
            path,
            node.get().asText()
                + ", a YAML boolean; quote words like \"no\" (expected: "
                + expected
                + ")");
        return Optional.empty();
      }
      return scalar(parent, path, expected)
          .flatMap(
              s -> {
                for (E v : values) {
                  if (spelling.apply(v).equals(s)) {
                    return Optional.of(v);
                  }
                }
                doc.problem(path, "\"" + s + "\" (expected: " + expected + ")");
                return Optional.empty();
              });
    }

    /** The scalar under the last segment of {@code path}; empty when absent, null or not one. */
    private Optional<String> scalar(JsonNode parent, String path, String expected) {
      return child(parent, last(path)).flatMap(n -> value(n, path, expected));
    }

    private Optional<String> value(JsonNode n, String path, String expected) {
      if (n.isNull()) {
        return Optional.empty();
      }
      if (!n.isValueNode()) {
        doc.problem(path, kind(n) + " (expected: " + expected + ")");
        return Optional.empty();
      }
      return Optional.of(n.asText());
    }

    private Optional<String> required(JsonNode obj, String path, String key, String expected) {
      if (child(obj, key).isEmpty()) {
        doc.problem(path, "missing key " + key + " (expected: " + expected + ")");
        return Optional.empty();
      }
      return scalar(obj, path + "." + key, expected);
    }

    /** Applies a parser, recording {@code "value" (expected: ...)} when it fails. */
    private <T> Optional<T> parsed(
        String text, String path, Function<String, Optional<T>> parser, String expected) {
      Optional<T> v = parser.apply(text);
      if (v.isEmpty()) {
        doc.problem(path, "\"" + text + "\" (expected: " + expected + ")");
      }
      return v;
    }
  }

  private static Optional<JsonNode> child(JsonNode parent, String key) {
    JsonNode n = parent.get(key);
    return n == null || n.isNull() ? Optional.empty() : Optional.of(n);
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  private static String kind(JsonNode n) {
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    return "\"" + n.asText() + "\"";
  }

  private static String list(Set<String> keys) {
    return String.join(", ", new TreeSet<>(keys));
  }

  private static Optional<Glob> glob(String s) {
    try {
      return Optional.of(Glob.parse(s.strip()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A non-empty specifier set; an empty one would match every version, rarely what is meant. */
  private static Optional<SpecifierSet> specifiers(String s) {
    try {
      SpecifierSet set = SpecifierSet.parse(s);
      return set.specifiers().isEmpty() ? Optional.empty() : Optional.of(set);
    } catch (InvalidSpecifierException e) {
      return Optional.empty();
    }
  }

  /**
   * A date or RFC 3339 time. A bare date is the start of that day (UTC) for a cut-off, and the end
   * of it for an expiry ({@code endOfDay}), so {@code until: 2027-01-01} still holds on that day.
   */
  static Optional<Instant> instant(String s, boolean endOfDay) {
    String t = s.strip();
    try {
      LocalDate d = LocalDate.parse(t);
      LocalDate day = endOfDay ? d.plusDays(1) : d;
      return Optional.of(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    } catch (DateTimeParseException e) {
      // not a bare date; try a full time below
    }
    try {
      // RFC 3339 allows a lower-case t and z and a space for the T.
      String iso = t.toUpperCase(Locale.ROOT).replace(' ', 'T');
      return Optional.of(OffsetDateTime.parse(iso).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
