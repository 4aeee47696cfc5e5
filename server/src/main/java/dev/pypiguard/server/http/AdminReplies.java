package dev.pypiguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.server.admin.AdminRoutes;
import dev.pypiguard.server.admin.StatusPage;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The status page and the admin API over HTTP: a {@link Route.Admin} goes to {@link AdminRoutes},
 * and its answer becomes a reply. Changes are refused when they come from another site.
 */
final class AdminReplies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AdminRoutes admin;

  AdminReplies(AdminRoutes admin) {
    this.admin = admin;
  }

  /** {@code GET /}: HTML for browsers, plain text for clients that do not ask for HTML. */
  CompletableFuture<Reply> home(Exchange ex, String base) {
    String accept = ex.headers.get(HttpHeaderNames.ACCEPT, "");
    boolean html = accept.toLowerCase(Locale.ROOT).contains("text/html");
    return admin
        .snapshot(base)
        .thenApply(
            snap -> {
              FullHttpResponse r;
              if (html) {
                r =
                    body(
                        HttpResponseStatus.OK,
                        StatusPage.render(snap).getBytes(StandardCharsets.UTF_8),
                        "text/html; charset=utf-8");
                r.headers().set("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
                r.headers().set("X-Content-Type-Options", "nosniff");
                r.headers().set("Referrer-Policy", "no-referrer");
              } else {
                r = Exchange.text(HttpResponseStatus.OK, StatusPage.text(snap));
              }
              r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
              r.headers().set(HttpHeaderNames.VARY, "Accept");
              return new Reply.Complete(r);
            });
  }

  /**
   * {@code /-/admin/...}; the caller checked the admin role, and {@link Router} the endpoint and
   * its method.
   */
  CompletableFuture<Reply> serve(Exchange ex, Route.AdminAction action, String base) {
    if (action.changes() && crossOrigin(ex)) {
      return Reply.text(HttpResponseStatus.FORBIDDEN, "cross-origin admin requests are refused")
          .now();
    }
    var caller = new AdminRoutes.Caller(ex.user, ex.remote());
    CompletableFuture<AdminRoutes.Answer> answer;
    if (action instanceof Route.Stats) {
      answer = admin.stats(base);
    } else if (action instanceof Route.Blocks b) {
      answer = CompletableFuture.completedFuture(admin.blocks(b.limit()));
    } else if (action instanceof Route.Reload) {
      answer = admin.reload(caller);
    } else if (action instanceof Route.Purge p) {
      answer = admin.purge(p.rawProject(), p.filename(), caller);
    } else if (action instanceof Route.Findings) {
      answer = CompletableFuture.completedFuture(admin.findings());
    } else if (action instanceof Route.Held) {
      answer = CompletableFuture.completedFuture(admin.held());
    } else if (action instanceof Route.ClearHeld c) {
      answer = admin.clearHeld(c.rawSha256(), c.reason(), caller);
    } else {
      answer = CompletableFuture.completedFuture(admin.endpoints());
    }
    return answer.thenApply(AdminReplies::reply);
  }

  private static Reply reply(AdminRoutes.Answer answer) {
    HttpResponseStatus status = HttpResponseStatus.valueOf(answer.status());
    if (answer instanceof AdminRoutes.Text t) {
      return Reply.text(status, t.line());
    }
    return json(status, ((AdminRoutes.Json) answer).body());
  }

  /**
   * A browser sends {@code Origin} with a POST; one from another site is refused, so a page
   * elsewhere cannot make an administrator's browser purge or reload (cross-site request forgery).
   */
  private static boolean crossOrigin(Exchange ex) {
    String origin = ex.headers.get(HttpHeaderNames.ORIGIN);
    String site = ex.headers.get("Sec-Fetch-Site");
    boolean cross = site != null && !(site.equals("same-origin") || site.equals("none"));
    if (origin != null) {
      String host = ex.headers.get(HttpHeaderNames.HOST, "");
      try {
        String authority = URI.create(origin).getRawAuthority();
        cross |= authority == null || !authority.equalsIgnoreCase(host);
      } catch (IllegalArgumentException e) {
        cross = true;
      }
    }
    return cross;
  }

  private static Reply json(HttpResponseStatus status, ObjectNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    var r = body(status, bytes, "application/json");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return new Reply.Complete(r);
  }

  private static FullHttpResponse body(HttpResponseStatus status, byte[] bytes, String type) {
    var r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return r;
  }
}
