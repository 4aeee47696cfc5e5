package dev.pypiguard.core.simple;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The root simple-API page ({@code /simple/}): every project name, with unknown keys passed
 * through.
 *
 * @param apiVersion {@code meta.api-version}
 * @param meta unknown {@code meta} keys
 * @param projects the project names as the upstream wrote them
 * @param extra unknown top-level JSON keys
 */
public record ProjectIndex(
    String apiVersion,
    Map<String, JsonNode> meta,
    List<String> projects,
    Map<String, JsonNode> extra) {
  public ProjectIndex {
    meta = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    projects = List.copyOf(projects);
    extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }
}
