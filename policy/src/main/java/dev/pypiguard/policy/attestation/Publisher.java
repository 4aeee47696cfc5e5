package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * A PyPI Trusted Publisher, as the Integrity API names it in a provenance {@code publisher} object
 * (PEP 740 §Provenance objects).
 *
 * <p>The publisher in a provenance document is unsigned metadata: a verifier checks it against the
 * signing certificate, and only then may policy rely on it.
 */
public sealed interface Publisher extends CertificateIdentity
    permits Publisher.GitHub, Publisher.GitLab, Publisher.Google, Publisher.Unknown {

  /** The publisher {@code kind} as PyPI spells it, such as {@code GitHub}. */
  String kind();

  /**
   * A GitHub Actions workflow.
   *
   * @param repository {@code owner/name}
   * @param workflow the workflow file name under {@code .github/workflows}, such as {@code
   *     release.yml}
   * @param environment the GitHub environment, when the publisher is bound to one; it is not in the
   *     certificate and so not verified
   */
  record GitHub(String repository, String workflow, Optional<String> environment)
      implements Publisher {
    public GitHub {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(workflow, "workflow");
      Objects.requireNonNull(environment, "environment");
    }

    @Override
    public String kind() {
      return "GitHub";
    }

    @Override
    public String display() {
      return repository + "@" + workflow;
    }
  }

  /**
   * A GitLab CI/CD pipeline.
   *
   * @param repository {@code namespace/project}
   * @param workflowFilepath the CI file path in the repository, such as {@code .gitlab-ci.yml}
   * @param environment the GitLab environment, when the publisher is bound to one (not verified)
   */
  record GitLab(String repository, String workflowFilepath, Optional<String> environment)
      implements Publisher {
    public GitLab {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(workflowFilepath, "workflowFilepath");
      Objects.requireNonNull(environment, "environment");
    }

    @Override
    public String kind() {
      return "GitLab";
    }

    @Override
    public String display() {
      return repository + "@" + workflowFilepath;
    }
  }

  /**
   * A Google Cloud service account.
   *
   * @param email the service account email
   */
  record Google(String email) implements Publisher {
    public Google {
      Objects.requireNonNull(email, "email");
    }

    @Override
    public String kind() {
      return "Google";
    }

    @Override
    public String display() {
      return email;
    }
  }

  /**
   * A publisher kind this verifier does not know (PyPI also has ActiveState); attestations for it
   * are reported as unverified, never as verified.
   *
   * @param kind the kind as given
   */
  record Unknown(String kind) implements Publisher {
    public Unknown {
      Objects.requireNonNull(kind, "kind");
    }

    @Override
    public String display() {
      return kind + " publisher";
    }
  }

  /**
   * Whether a verified identity is this publisher: repository names compare without case, and an
   * environment only when this publisher names one.
   */
  default boolean satisfiedBy(CertificateIdentity verified) {
    return AttestationVerifier.samePublisher(verified, this);
  }

  /** Reads a provenance {@code publisher} object. */
  static Publisher fromJson(JsonNode node, String what) {
    String kind = Json.text(node, "kind", what);
    switch (kind) {
      case "GitHub":
        return new GitHub(
            Json.text(node, "repository", what),
            Json.text(node, "workflow", what),
            Json.optionalText(node, "environment"));
      case "GitLab":
        return new GitLab(
            Json.text(node, "repository", what),
            Json.text(node, "workflow_filepath", what),
            Json.optionalText(node, "environment"));
      case "Google":
        return new Google(Json.text(node, "email", what));
      default:
        return new Unknown(kind);
    }
  }
}
