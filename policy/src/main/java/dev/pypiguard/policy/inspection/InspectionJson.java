package dev.pypiguard.policy.inspection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;

/** The stored form of an {@link Inspection}: one small JSON object per sha256. */
public final class InspectionJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InspectionJson() {}

  public static byte[] write(Inspection i) {
    ObjectNode o = JSON.createObjectNode();
    o.put("inspector", i.inspector()).put("kind", i.kind().spelling());
    i.name().ifPresent(n -> o.put("name", n));
    i.version().ifPresent(v -> o.put("version", v));
    o.put("install-hook", i.installHook()).put("native-code", i.nativeCode());
    ArrayNode f = o.putArray("findings");
    for (Finding x : i.findings()) {
      f.addObject()
          .put("rule", x.rule())
          .put("severity", x.severity().spelling())
          .put("path", x.path())
          .put("message", x.message());
    }
    ArrayNode c = o.putArray("commands");
    for (Inspection.Command x : i.commands()) {
      c.addObject().put("path", x.path()).put("name", x.name());
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The inspection in {@code bytes}; empty when they are not one (then it is done again). */
  public static Optional<Inspection> read(byte[] bytes) {
    try {
      JsonNode o = JSON.readTree(bytes);
      var findings = new ArrayList<Finding>();
      for (JsonNode x : o.path("findings")) {
        findings.add(
            new Finding(
                x.path("rule").asText(),
                Finding.Severity.valueOf(x.path("severity").asText().toUpperCase(Locale.ROOT)),
                x.path("path").asText(),
                x.path("message").asText()));
      }
      var commands = new ArrayList<Inspection.Command>();
      for (JsonNode x : o.path("commands")) {
        commands.add(new Inspection.Command(x.path("path").asText(), x.path("name").asText()));
      }
      return Optional.of(
          new Inspection(
              o.path("inspector").asInt(0),
              Inspection.Kind.valueOf(o.path("kind").asText().toUpperCase(Locale.ROOT)),
              o.hasNonNull("name") ? Optional.of(o.get("name").asText()) : Optional.empty(),
              o.hasNonNull("version") ? Optional.of(o.get("version").asText()) : Optional.empty(),
              o.path("install-hook").asBoolean(),
              o.path("native-code").asBoolean(),
              findings,
              commands));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
