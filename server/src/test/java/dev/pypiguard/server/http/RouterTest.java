package dev.pypiguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.core.project.ProjectName;
import dev.pypiguard.server.auth.Role;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Router#parse}: every route, its role and label, and the paths it must not be fooled by.
 */
class RouterTest {
  private static final HttpMethod GET = HttpMethod.GET;
  private static final HttpMethod POST = HttpMethod.POST;

  private static Route get(String target) {
    return Router.parse(GET, target);
  }

  private static ProjectName name(String n) {
    return ProjectName.parse(n).orElseThrow();
  }

  @Test
  void parse_root_isHomeForReaders() {
    assertThat(get("/")).isEqualTo(new Route.Home());
    assertThat(get("/?x=1")).isEqualTo(new Route.Home());
    assertThat(get("/").role()).contains(Role.READ);
    assertThat(get("/").label()).isEqualTo("home");
  }

  @Test
  void parse_healthAndMetrics_areOpen() {
    assertThat(get("/healthz")).isEqualTo(new Route.Health());
    assertThat(get("/healthz").role()).isEmpty();
    assertThat(get("/healthz").label()).isEqualTo("healthz");
    assertThat(get("/metrics")).isEqualTo(new Route.Metrics());
    assertThat(get("/metrics").role()).isEmpty();
    assertThat(get("/metrics").label()).isEqualTo("metrics");
    // As before the router existed: what follows them names nothing else.
    assertThat(get("/healthz/extra")).isEqualTo(new Route.Health());
  }

  @Test
  void parse_simpleIndex_withAndWithoutTrailingSlash() {
    assertThat(get("/simple/")).isEqualTo(new Route.Index(Optional.empty()));
    assertThat(get("/simple/?format=application/vnd.pypi.simple.v1%2Bjson"))
        .isEqualTo(new Route.Index(Optional.of("application/vnd.pypi.simple.v1+json")));
    assertThat(get("/simple/").label()).isEqualTo("index");
    assertThat(get("/simple/").role()).contains(Role.READ);
    assertThat(get("/simple/").offLoop()).isTrue();
    assertThat(get("/simple?format=x"))
        .isEqualTo(new Route.Redirect("/simple/?format=x", "index", Route.READ));
  }

  @Test
  void parse_project_normalizedWithSlashOnly_elseRedirect() {
    assertThat(get("/simple/flask/")).isEqualTo(new Route.Project(name("flask"), Optional.empty()));
    assertThat(get("/simple/flask/?format=json"))
        .isEqualTo(new Route.Project(name("flask"), Optional.of("json")));
    assertThat(get("/simple/flask/").label()).isEqualTo("project");
    assertThat(get("/simple/Zope.Interface/"))
        .isEqualTo(new Route.Redirect("/simple/zope-interface/", "project", Route.READ));
    assertThat(get("/simple/flask?x=1"))
        .isEqualTo(new Route.Redirect("/simple/flask/?x=1", "project", Route.READ));
    assertThat(get("/simple/-bad-/"))
        .isEqualTo(new Route.NotFound("not a valid project name: -bad-", "project", Route.READ));
    assertThat(get("/simple/a/b/"))
        .isEqualTo(new Route.NotFound("no such path", "not-found", Route.READ));
  }

  @Test
  void parse_files_artifactAndMetadata() {
    assertThat(get("/files/flask/flask-3.0.0-py3-none-any.whl"))
        .isEqualTo(new Route.File(name("flask"), "flask-3.0.0-py3-none-any.whl"));
    assertThat(get("/files/flask/flask-3.0.0-py3-none-any.whl").label()).isEqualTo("file");
    assertThat(get("/files/flask/flask-3.0.0-py3-none-any.whl.metadata"))
        .isEqualTo(new Route.Metadata(name("flask"), "flask-3.0.0-py3-none-any.whl"));
    assertThat(get("/files/flask/f.whl.metadata").label()).isEqualTo("metadata");
    assertThat(get("/files/flask/f.whl.metadata").role()).contains(Role.READ);
  }

  @ParameterizedTest
  @CsvSource({
    "/files/Flask/flask-3.0.whl", // files have one URL: no redirect to the normalized name
    "/files/flask/flask-3.0.whl/",
    "/files/flask",
    "/files/flask/a/b.whl",
    "/files/flask/.hidden",
    "/files/flask/a%20b.whl",
  })
  void parse_oddFilePaths_areNoSuchFile(String target) {
    assertThat(get(target)).isEqualTo(new Route.NotFound("no such file", "file", Route.READ));
  }

  @Test
  void parse_provenance() {
    assertThat(get("/integrity/flask/3.0/flask-3.0.tar.gz/provenance"))
        .isEqualTo(new Route.Provenance(name("flask"), "3.0", "flask-3.0.tar.gz"));
    assertThat(get("/integrity/flask/3.0/flask-3.0.tar.gz/provenance").label())
        .isEqualTo("provenance");
    assertThat(get("/integrity/flask/3.0/flask-3.0.tar.gz/provenance/"))
        .isEqualTo(new Route.NotFound("no such path", "provenance", Route.READ));
    assertThat(get("/integrity/flask/3.0/flask-3.0.tar.gz"))
        .isEqualTo(new Route.NotFound("no such path", "provenance", Route.READ));
    assertThat(get("/integrity/Flask/3.0/flask-3.0.tar.gz/provenance"))
        .isEqualTo(new Route.NotFound("no such file", "provenance", Route.READ));
  }

  @Test
  void parse_legacyJson() {
    assertThat(get("/pypi/flask/json"))
        .isEqualTo(new Route.LegacyJson(name("flask"), Optional.empty()));
    assertThat(get("/pypi/flask/3.0/json"))
        .isEqualTo(new Route.LegacyJson(name("flask"), Optional.of("3.0")));
    assertThat(get("/pypi/flask/json").label()).isEqualTo("legacy-json");
    assertThat(get("/pypi/Flask/1.0+local/json"))
        .isEqualTo(new Route.Redirect("/pypi/flask/1.0+local/json", "legacy-json", Route.READ));
    assertThat(get("/pypi/flask"))
        .isEqualTo(new Route.NotFound("no such path", "legacy-json", Route.READ));
    assertThat(get("/pypi/-x-/json"))
        .isEqualTo(new Route.NotFound("not a valid project name: -x-", "legacy-json", Route.READ));
  }

  @Test
  void parse_explain() {
    assertThat(get("/-/explain/flask")).isEqualTo(new Route.Explain(name("flask")));
    assertThat(get("/-/explain/Flask")).isEqualTo(new Route.Explain(name("flask")));
    assertThat(get("/-/explain/-x-"))
        .isEqualTo(new Route.NotFound("not a valid project name: -x-", "explain", Route.READ));
    assertThat(get("/-/explain/flask").label()).isEqualTo("explain");
    assertThat(get("/-/explain/flask").role()).contains(Role.READ);
    assertThat(get("/-/explain"))
        .isEqualTo(new Route.NotFound("no such path", "not-found", Route.READ));
    assertThat(get("/-/other"))
        .isEqualTo(new Route.NotFound("no such path", "not-found", Route.READ));
  }

  @Test
  void parse_adminEndpoints_needAdmin() {
    assertThat(get("/-/admin/")).isEqualTo(new Route.Admin(new Route.Endpoints()));
    assertThat(get("/-/admin")).isEqualTo(new Route.Admin(new Route.Endpoints()));
    assertThat(get("/-/admin/stats")).isEqualTo(new Route.Admin(new Route.Stats()));
    assertThat(get("/-/admin/blocks?limit=5"))
        .isEqualTo(new Route.Admin(new Route.Blocks(Optional.of("5"))));
    assertThat(get("/-/admin/findings")).isEqualTo(new Route.Admin(new Route.Findings()));
    assertThat(get("/-/admin/held")).isEqualTo(new Route.Admin(new Route.Held()));
    assertThat(Router.parse(POST, "/-/admin/reload"))
        .isEqualTo(new Route.Admin(new Route.Reload()));
    assertThat(Router.parse(POST, "/-/admin/purge/flask"))
        .isEqualTo(new Route.Admin(new Route.Purge("flask", Optional.empty())));
    assertThat(Router.parse(POST, "/-/admin/purge/flask/flask-3.0.whl"))
        .isEqualTo(new Route.Admin(new Route.Purge("flask", Optional.of("flask-3.0.whl"))));
    String sha = "a".repeat(64);
    assertThat(Router.parse(POST, "/-/admin/held/" + sha + "/clear?reason=looked%20at%20it"))
        .isEqualTo(new Route.Admin(new Route.ClearHeld(sha, Optional.of("looked at it"))));
    Route stats = get("/-/admin/stats");
    assertThat(stats.role()).contains(Role.ADMIN);
    assertThat(stats.label()).isEqualTo("admin");
    assertThat(stats.offLoop()).isFalse();
  }

  @Test
  void parse_adminMisfits_stillNeedAdmin() {
    assertThat(get("/-/admin/nope"))
        .isEqualTo(
            new Route.NotFound(
                "no such admin endpoint; GET /-/admin/ lists them", "admin", Route.ADMIN));
    assertThat(get("/-/admin/stats/x").role()).contains(Role.ADMIN);
    assertThat(get("/-/admin/held/abc/other")).isInstanceOf(Route.NotFound.class);
    assertThat(get("/-/admin/reload"))
        .isEqualTo(
            new Route.MethodNotAllowed(
                "POST", "this changes the server: use POST", "admin", Route.ADMIN));
    assertThat(Router.parse(POST, "/-/admin/stats"))
        .isEqualTo(new Route.MethodNotAllowed("GET, HEAD", "use GET", "admin", Route.ADMIN));
    assertThat(Router.parse(HttpMethod.HEAD, "/-/admin/stats"))
        .isEqualTo(new Route.Admin(new Route.Stats()));
  }

  @ParameterizedTest
  @CsvSource({
    "POST,/simple/",
    "PUT,/-/admin/reload",
    "DELETE,/files/a/b.whl",
    "BREW,/",
    "OPTIONS,/-/adminx"
  })
  void parse_unknownMethods_are405ForEveryone(String method, String target) {
    assertThat(Router.parse(HttpMethod.valueOf(method), target))
        .isEqualTo(
            new Route.MethodNotAllowed(
                "GET, HEAD", "only GET and HEAD are served", "bad-request", Route.OPEN));
  }

  @ParameterizedTest
  @CsvSource({
    "//simple/",
    "/simple//flask/",
    "/simple/../admin",
    "/simple/%2e%2e/x/",
    "/files/flask%2Fevil/x.whl",
    "/files/a/b%5cc.whl",
    "/simple/%00/",
    "/simple/%zz/",
    "/simple/fl%C3/",
    "/simple/./",
    "http://host/simple/",
    "*",
    "''",
  })
  void parse_oddTargets_areBadRequestsForEveryone(String target) {
    Route r = get(target);
    assertThat(r).isEqualTo(new Route.BadRequest("malformed request path"));
    assertThat(r.role()).isEmpty();
    assertThat(r.label()).isEqualTo("bad-request");
  }

  @Test
  void parse_queryWithControlBytes_isBadRequest() {
    assertThat(get("/simple/?format=%0d%0aX:1")).isInstanceOf(Route.BadRequest.class);
  }

  @Test
  void parse_encodedPlus_staysPlus() {
    assertThat(get("/files/pkg/pkg-1.0%2Blocal.tar.gz"))
        .isEqualTo(new Route.File(name("pkg"), "pkg-1.0+local.tar.gz"));
  }

  @Test
  void parse_unknownTopLevel_isNotFoundForReaders() {
    Route r = get("/nope");
    assertThat(r).isEqualTo(new Route.NotFound("no such path", "not-found", Route.READ));
  }
}
