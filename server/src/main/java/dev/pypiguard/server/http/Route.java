package dev.pypiguard.server.http;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.server.auth.Role;
import java.util.Optional;

/**
 * What a request asks for, as {@link Router#parse} reads it from the method and target alone: every
 * path rule of the server is there, and nowhere else. Each route knows the role it needs (empty:
 * open to everyone, README "Access control") and its {@code route} label in the metrics and access
 * log.
 */
sealed interface Route {
  /**
   * The role a client needs for this route; empty when it is open to everyone. Most need {@code
   * read}.
   */
  default Optional<Role> role() {
    return READ;
  }

  /** The {@code route} tag of {@code pypiguard.requests} and the access log. */
  String label();

  /** Whether the route is served on the blocking executor (see {@link OfProject}). */
  default boolean offLoop() {
    return false;
  }

  Optional<Role> OPEN = Optional.empty();
  Optional<Role> READ = Optional.of(Role.READ);
  Optional<Role> ADMIN = Optional.of(Role.ADMIN);

  /**
   * A route that names a project: policy and upstream globs are matched against it off the event
   * loop.
   */
  sealed interface OfProject extends Route {
    @Override
    default boolean offLoop() {
      return true;
    }
  }

  /** {@code GET /}: the status page. */
  record Home() implements Route {
    @Override
    public String label() {
      return "home";
    }
  }

  /** {@code /healthz}: the verdict for load balancers, open. */
  record Health() implements Route {
    @Override
    public Optional<Role> role() {
      return OPEN;
    }

    @Override
    public String label() {
      return "healthz";
    }
  }

  /** {@code /metrics}: Prometheus' scrape, open. */
  record Metrics() implements Route {
    @Override
    public Optional<Role> role() {
      return OPEN;
    }

    @Override
    public String label() {
      return "metrics";
    }
  }

  /** {@code /simple/}: the project list; {@code format} is the query's {@code format} parameter. */
  record Index(Optional<String> format) implements OfProject {
    @Override
    public String label() {
      return "index";
    }
  }

  /** {@code /simple/<project>/} under its normalized name. */
  record Project(ProjectName name, Optional<String> format) implements OfProject {
    @Override
    public String label() {
      return "project";
    }
  }

  /** {@code /files/<project>/<filename>}: an artifact. */
  record File(ProjectName project, String filename) implements OfProject {
    @Override
    public String label() {
      return "file";
    }
  }

  /**
   * {@code /files/<project>/<filename>.metadata}: the core metadata of {@code filename} (PEP 658).
   */
  record Metadata(ProjectName project, String filename) implements OfProject {
    @Override
    public String label() {
      return "metadata";
    }
  }

  /** {@code /integrity/<project>/<version>/<filename>/provenance} (PEP 740). */
  record Provenance(ProjectName project, String version, String filename) implements OfProject {
    @Override
    public String label() {
      return "provenance";
    }
  }

  /**
   * {@code /pypi/<project>/json} and {@code /pypi/<project>/<version>/json} (README "Legacy JSON
   * API").
   */
  record LegacyJson(ProjectName project, Optional<String> version) implements OfProject {
    @Override
    public String label() {
      return "legacy-json";
    }
  }

  /** {@code /-/explain/<project>}: every file's decision (any spelling of the name). */
  record Explain(ProjectName name) implements OfProject {
    @Override
    public String label() {
      return "explain";
    }
  }

  /** {@code /-/admin/...}: one endpoint of the admin API, which needs the admin role. */
  record Admin(AdminAction action) implements Route {
    @Override
    public Optional<Role> role() {
      return ADMIN;
    }

    @Override
    public String label() {
      return "admin";
    }
  }

  /** The endpoints of the admin API (README "Admin API"). */
  sealed interface AdminAction {
    /** Whether the endpoint changes the server: POST only, and never cross-origin. */
    default boolean changes() {
      return false;
    }
  }

  /** {@code GET /-/admin/}: the list of endpoints. */
  record Endpoints() implements AdminAction {}

  /** {@code GET /-/admin/stats}. */
  record Stats() implements AdminAction {}

  /**
   * {@code GET /-/admin/blocks?limit=N}; {@code limit} is the raw parameter, checked by the
   * handler.
   */
  record Blocks(Optional<String> limit) implements AdminAction {}

  /** {@code POST /-/admin/reload}. */
  record Reload() implements AdminAction {
    @Override
    public boolean changes() {
      return true;
    }
  }

  /**
   * {@code POST /-/admin/purge/<project>[/<filename>]}; {@code rawProject} is checked by the
   * handler (400).
   */
  record Purge(String rawProject, Optional<String> filename) implements AdminAction {
    @Override
    public boolean changes() {
      return true;
    }
  }

  /** {@code GET /-/admin/findings}. */
  record Findings() implements AdminAction {}

  /** {@code GET /-/admin/held}. */
  record Held() implements AdminAction {}

  /**
   * {@code POST /-/admin/held/<sha256>/clear?reason=...}; {@code rawSha256} is checked by the
   * handler (400).
   */
  record ClearHeld(String rawSha256, Optional<String> reason) implements AdminAction {
    @Override
    public boolean changes() {
      return true;
    }
  }

  /** 301 to the one URL of a resource (PEP 503: the normalized name with a trailing slash). */
  record Redirect(String location, String label, Optional<Role> role) implements Route {}

  /** 404 with a one-line reason. */
  record NotFound(String why, String label, Optional<Role> role) implements Route {}

  /** 405: the method does not fit; {@code allow} is the {@code Allow} header. */
  record MethodNotAllowed(String allow, String why, String label, Optional<Role> role)
      implements Route {}

  /**
   * 400: a target that is not a path we serve (decoding tricks, {@code //}, {@code ..}, control
   * bytes).
   */
  record BadRequest(String why) implements Route {
    @Override
    public Optional<Role> role() {
      return OPEN;
    }

    @Override
    public String label() {
      return "bad-request";
    }
  }
}
