package dev.pypiguard.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pypiguard.core.blob.Sha256;
import dev.pypiguard.policy.inspection.Finding;
import dev.pypiguard.server.policy.InspectionStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's held files (README "Artifact inspection"): {@code GET /-/admin/held} lists them,
 * {@code POST /-/admin/held/<sha256>/clear} clears one on every replica (a review in the store) and
 * answers the policy exception entry that clears its release for good, which is also appended to
 * {@code <cache-dir>/inspections/exceptions.yaml} for the operator to keep. {@code GET
 * /-/admin/findings} lists the newest inspections that found something.
 */
final class HeldFiles {
  private static final Logger LOG = LoggerFactory.getLogger(HeldFiles.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InspectionStore inspections;
  private final Path cacheDir;
  private final AdminRoutes.AdminAudit audit;

  HeldFiles(InspectionStore inspections, Path cacheDir, AdminRoutes.AdminAudit audit) {
    this.inspections = inspections;
    this.cacheDir = cacheDir;
    this.audit = audit;
  }

  ObjectNode list() {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode held = o.putArray("held");
    for (InspectionStore.Held h : inspections.heldFiles()) {
      held.addObject()
          .put("sha256", h.sha256())
          .put("project", h.project())
          .put("file", h.filename())
          .put("version", h.version())
          .put("since", h.since().toString())
          .put("rule", h.reason().rule())
          .put("reason", h.reason().message());
    }
    return o;
  }

  ObjectNode findings(int limit) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode list = o.putArray("inspections");
    for (InspectionStore.Recent r : inspections.recent(limit)) {
      ObjectNode i =
          list.addObject()
              .put("time", r.time().toString())
              .put("sha256", r.sha256())
              .put("file", r.filename())
              .put("kind", r.inspection().kind().spelling());
      r.inspection().name().ifPresent(n -> i.put("name", n));
      r.inspection().version().ifPresent(v -> i.put("version", v));
      ArrayNode f = i.putArray("findings");
      for (Finding x : r.inspection().findings()) {
        f.addObject()
            .put("rule", x.rule())
            .put("severity", x.severity().spelling())
            .put("path", x.path())
            .put("message", x.message());
      }
      r.inspection().commands().forEach(c -> i.withArray("commands").add(c.name()));
    }
    return o;
  }

  AdminRoutes.Answer clear(String rawSha, Optional<String> reason, AdminRoutes.Caller caller) {
    Optional<Sha256> sha = Sha256.parse(rawSha);
    if (sha.isEmpty()) {
      return new AdminRoutes.Text(400, "\"" + rawSha + "\" (expected: a sha256 in hex)");
    }
    Optional<InspectionStore.Held> held = inspections.heldFile(sha.get());
    if (held.isEmpty()) {
      return new AdminRoutes.Text(
          404,
          "no file with sha256 "
              + sha.get().hex()
              + " is held; GET /-/admin/held lists those that are");
    }
    InspectionStore.Held h = held.get();
    String why =
        reason.filter(r -> !r.isBlank()).orElse("cleared")
            + " ("
            + caller.user()
            + ", "
            + LocalDate.now(ZoneOffset.UTC)
            + ")";
    try {
      inspections.clear(sha.get(), why);
    } catch (IOException e) {
      LOG.error("cannot record the review of {}: {}", h.sha256(), e.toString());
      return new AdminRoutes.Text(500, "cannot record the review: " + e.getMessage());
    }
    String until = LocalDate.now(ZoneOffset.UTC).plusYears(1).toString();
    String entry =
        "  - {project: "
            + h.project()
            + ", versions: \"=="
            + h.version()
            + "\", until: "
            + until
            + ", sha256: ["
            + h.sha256()
            + "], reason: \""
            + ("cleared " + h.filename() + " sha256=" + h.sha256() + ": " + why).replace("\"", "'")
            + "\"}";
    Path file = cacheDir.resolve("inspections").resolve("exceptions.yaml");
    try {
      Files.createDirectories(file.getParent());
      boolean fresh = !Files.exists(file);
      Files.writeString(
          file,
          (fresh
                  ? "# Exception entries for files cleared through /-/admin/held; copy them into the\n"
                      + "# policy file's exceptions: to keep them (a review alone covers only that sha256).\nexceptions:\n"
                  : "")
              + entry
              + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      LOG.warn("cannot append to {}: {}", file, e.toString());
    }
    ObjectNode fields =
        JSON.createObjectNode()
            .put("sha256", h.sha256())
            .put("project", h.project())
            .put("file", h.filename())
            .put("rule", h.reason().rule())
            .put("reason", why);
    audit.record(caller.remote(), caller.user(), "clear-held", fields);
    LOG.info(
        "held file {} ({}) cleared by {} ({}): {}",
        h.filename(),
        h.sha256(),
        caller.user(),
        caller.remote(),
        why);
    return new AdminRoutes.Json(
        200,
        fields.deepCopy().put("exception", entry.strip()).put("exceptions-file", file.toString()));
  }
}
