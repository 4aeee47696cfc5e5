package dev.pypiguard.server.http;

import dev.pypiguard.core.project.ProjectName;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a request's method and target into a {@link Route}: a pure function, the one place that
 * knows the server's paths (the idea of Helidon's {@code HttpRouting} and Armeria's route table, as
 * one exhaustive parse instead of a registry). Headers play no part: access control, negotiation
 * and conditional requests come after, on the route.
 */
final class Router {
  private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+!~\\-]{0,250}");
  private static final String METADATA = ".metadata";

  private Router() {}

  /** The route of {@code method} and {@code target} (origin-form, query included). */
  static Route parse(HttpMethod method, String target) {
    boolean admin = target.startsWith("/-/admin/") || target.equals("/-/admin");
    boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    if (!get && !(admin && method.equals(HttpMethod.POST))) {
      return new Route.MethodNotAllowed(
          "GET, HEAD", "only GET and HEAD are served", "bad-request", Route.OPEN);
    }
    Optional<RequestPath> parsed = RequestPath.parse(target);
    if (parsed.isEmpty()) {
      return new Route.BadRequest("malformed request path");
    }
    RequestPath path = parsed.get();
    List<String> seg = path.segments();
    String first = seg.isEmpty() ? "" : seg.get(0);
    return switch (first) {
      case "" -> new Route.Home();
      // Whatever follows them: /healthz and /metrics name nothing else.
      case "healthz" -> new Route.Health();
      case "metrics" -> new Route.Metrics();
      case "simple" -> simple(path);
      case "files" -> files(path);
      case "integrity" -> integrity(path);
      case "pypi" -> legacyJson(path);
      case "-" -> {
        if (seg.size() >= 2 && seg.get(1).equals("admin")) {
          yield admin(method, path);
        }
        if (seg.size() == 3 && seg.get(1).equals("explain")) {
          Optional<ProjectName> name = ProjectName.parse(seg.get(2));
          yield name.isPresent()
              ? new Route.Explain(name.get())
              : new Route.NotFound(
                  "not a valid project name: " + seg.get(2), "explain", Route.READ);
        }
        yield notFound("no such path");
      }
      default -> notFound("no such path");
    };
  }

  private static Route notFound(String why) {
    return new Route.NotFound(why, "not-found", Route.READ);
  }

  private static Route simple(RequestPath path) {
    List<String> seg = path.segments();
    if (seg.size() == 1) {
      if (!path.trailingSlash()) {
        return new Route.Redirect("/simple/" + query(path), "index", Route.READ);
      }
      return new Route.Index(path.query("format"));
    }
    if (seg.size() != 2) {
      return notFound("no such path");
    }
    String raw = seg.get(1);
    Optional<ProjectName> name = ProjectName.parse(raw);
    if (name.isEmpty()) {
      return new Route.NotFound("not a valid project name: " + raw, "project", Route.READ);
    }
    if (!path.trailingSlash() || !name.get().value().equals(raw)) {
      // PEP 503: the normalized name with a trailing slash is the one URL of a project.
      return new Route.Redirect(
          "/simple/" + name.get().value() + "/" + query(path), "project", Route.READ);
    }
    return new Route.Project(name.get(), path.query("format"));
  }

  private static String query(RequestPath path) {
    return path.rawQuery().isEmpty() ? "" : "?" + path.rawQuery();
  }

  /** {@code /files/<project>/<filename>} and {@code /files/<project>/<filename>.metadata}. */
  private static Route files(RequestPath path) {
    List<String> seg = path.segments();
    Route none = new Route.NotFound("no such file", "file", Route.READ);
    if (seg.size() != 3 || path.trailingSlash()) {
      return none;
    }
    Optional<ProjectName> name = normalized(seg.get(1));
    String filename = seg.get(2);
    if (name.isEmpty() || !FILENAME.matcher(filename).matches()) {
      return none;
    }
    if (filename.endsWith(METADATA)) {
      return new Route.Metadata(
          name.get(), filename.substring(0, filename.length() - METADATA.length()));
    }
    return new Route.File(name.get(), filename);
  }

  /** {@code /integrity/<project>/<version>/<filename>/provenance}. */
  private static Route integrity(RequestPath path) {
    List<String> seg = path.segments();
    if (seg.size() != 5 || !seg.get(4).equals("provenance") || path.trailingSlash()) {
      return new Route.NotFound("no such path", "provenance", Route.READ);
    }
    Optional<ProjectName> name = normalized(seg.get(1));
    String filename = seg.get(3);
    if (name.isEmpty() || !FILENAME.matcher(filename).matches()) {
      return new Route.NotFound("no such file", "provenance", Route.READ);
    }
    return new Route.Provenance(name.get(), seg.get(2), filename);
  }

  /** {@code /pypi/<project>/json} and {@code /pypi/<project>/<version>/json}. */
  private static Route legacyJson(RequestPath path) {
    List<String> seg = path.segments();
    if ((seg.size() != 3 && seg.size() != 4) || !seg.get(seg.size() - 1).equals("json")) {
      return new Route.NotFound("no such path", "legacy-json", Route.READ);
    }
    Optional<ProjectName> name = ProjectName.parse(seg.get(1));
    if (name.isEmpty()) {
      return new Route.NotFound(
          "not a valid project name: " + seg.get(1), "legacy-json", Route.READ);
    }
    Optional<String> version = seg.size() == 4 ? Optional.of(seg.get(2)) : Optional.empty();
    if (!name.get().value().equals(seg.get(1))) {
      return new Route.Redirect(
          "/pypi/"
              + name.get().value()
              + "/"
              + version.map(v -> RequestPath.encode(v) + "/").orElse("")
              + "json",
          "legacy-json",
          Route.READ);
    }
    return new Route.LegacyJson(name.get(), version);
  }

  /** A project name that is already normalized (files and provenance have one URL, no redirect). */
  private static Optional<ProjectName> normalized(String raw) {
    return ProjectName.parse(raw).filter(n -> n.value().equals(raw));
  }

  /**
   * {@code /-/admin/...}. An unknown endpoint and a method that does not fit still need the admin
   * role: nobody else learns which endpoints exist.
   */
  private static Route admin(HttpMethod method, RequestPath path) {
    List<String> seg = path.segments();
    String action = seg.size() < 3 ? "" : seg.get(2);
    Optional<Route.AdminAction> known =
        switch (action) {
          case "" -> seg.size() <= 3 ? Optional.of(new Route.Endpoints()) : Optional.empty();
          case "stats" -> seg.size() == 3 ? Optional.of(new Route.Stats()) : Optional.empty();
          case "blocks" ->
              seg.size() == 3
                  ? Optional.of(new Route.Blocks(path.query("limit")))
                  : Optional.empty();
          case "reload" -> seg.size() == 3 ? Optional.of(new Route.Reload()) : Optional.empty();
          case "purge" ->
              seg.size() == 4 || seg.size() == 5
                  ? Optional.of(
                      new Route.Purge(
                          seg.get(3), seg.size() == 5 ? Optional.of(seg.get(4)) : Optional.empty()))
                  : Optional.empty();
          case "findings" -> seg.size() == 3 ? Optional.of(new Route.Findings()) : Optional.empty();
          case "held" ->
              seg.size() == 3
                  ? Optional.of(new Route.Held())
                  : seg.size() == 5 && seg.get(4).equals("clear")
                      ? Optional.of(new Route.ClearHeld(seg.get(3), path.query("reason")))
                      : Optional.empty();
          default -> Optional.empty();
        };
    if (known.isEmpty()) {
      return new Route.NotFound(
          "no such admin endpoint; GET /-/admin/ lists them", "admin", Route.ADMIN);
    }
    boolean post = known.get().changes();
    if (method.equals(HttpMethod.POST) != post) {
      return new Route.MethodNotAllowed(
          post ? "POST" : "GET, HEAD",
          post ? "this changes the server: use POST" : "use GET",
          "admin",
          Route.ADMIN);
    }
    return new Route.Admin(known.get());
  }
}
