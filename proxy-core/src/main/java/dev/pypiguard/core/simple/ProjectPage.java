package dev.pypiguard.core.simple;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A project's simple-API page (PEP 503/691): its name, files and the page-level fields of later
 * PEPs (700 {@code versions}, 792 {@code project-status}), plus unknown keys passed through.
 *
 * @param name the project name as the upstream wrote it
 * @param apiVersion {@code meta.api-version} (PEP 629), "1.0" when the upstream gave none
 * @param meta unknown keys of the {@code meta} object besides {@code api-version}
 * @param files the files, in upstream order
 * @param versions the PEP 700 version list, when the upstream gave one
 * @param projectStatus the PEP 792 status, when the upstream gave one
 * @param extra unknown top-level JSON keys
 */
public record ProjectPage(
    String name,
    String apiVersion,
    Map<String, JsonNode> meta,
    List<FileEntry> files,
    Optional<List<String>> versions,
    Optional<ProjectStatus> projectStatus,
    Map<String, JsonNode> extra) {

  public ProjectPage {
    meta = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    files = List.copyOf(files);
    versions = versions.map(List::copyOf);
    extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  public ProjectPage withFiles(List<FileEntry> newFiles) {
    return new ProjectPage(name, apiVersion, meta, newFiles, versions, projectStatus, extra);
  }

  public ProjectPage withVersions(Optional<List<String>> newVersions) {
    return new ProjectPage(name, apiVersion, meta, files, newVersions, projectStatus, extra);
  }

  public ProjectPage withExtra(Map<String, JsonNode> newExtra) {
    return new ProjectPage(name, apiVersion, meta, files, versions, projectStatus, newExtra);
  }

  private static final ByName<FileEntry> BY_NAME = new ByName<>(FileEntry::filename);

  /** The file with this exact name, if the page lists it (its first entry of that name). */
  public Optional<FileEntry> file(String filename) {
    return filesNamed(filename).stream().findFirst();
  }

  /** Every entry of the page with this exact file name, in page order. */
  public List<FileEntry> filesNamed(String filename) {
    return BY_NAME.in(files, filename);
  }
}
