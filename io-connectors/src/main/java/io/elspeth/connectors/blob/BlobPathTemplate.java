package io.elspeth.connectors.blob;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sink's blob path as a Jinja template over {@code run_id} and {@code timestamp} (the write's UTC
 * time, ISO-8601 to the second, e.g. {@code 2026-01-31T09:15:00Z}). An unknown variable or a syntax
 * error is an error, never an empty path segment.
 */
public final class BlobPathTemplate {
  private BlobPathTemplate() {}

  /** The path for one write; IllegalArgumentException names the template's problem. */
  public static String render(String template, String runId, Instant now) {
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("run_id", runId);
    vars.put("timestamp", now.truncatedTo(ChronoUnit.SECONDS).toString());
    Jinjava jinja = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(true).build());
    RenderResult result = jinja.renderForResult(template, vars);
    if (!result.getErrors().isEmpty()) {
      TemplateError first = result.getErrors().get(0);
      throw new IllegalArgumentException(
          "blob_path template '" + template + "': " + first.getMessage());
    }
    String path = result.getOutput().strip();
    if (path.isEmpty() || path.endsWith("/")) {
      throw new IllegalArgumentException(
          "blob_path template '"
              + template
              + "' renders to '"
              + path
              + "', which is not a blob name");
    }
    return path;
  }
}
