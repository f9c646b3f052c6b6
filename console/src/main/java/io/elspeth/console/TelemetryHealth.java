package io.elspeth.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The telemetry health of a run, from what was recorded: the run's settings in the Landscape say
 * whether telemetry was on, to which exporters, and where its health events were appended ({@code
 * telemetry.health_file}); that file, when the console can read it, holds the run's health events
 * (drops, exporter failures, self-disabling, snapshots). The Landscape itself holds no telemetry
 * health: telemetry comes after the audit and never writes to it, so without a health file the
 * health went to the run's stderr only, and the page says so.
 *
 * @param state one of {@code off}, {@code healthy}, {@code degraded}, {@code unknown}
 * @param explanation what the state rests on, in a sentence
 * @param facts figures read from the last snapshot and the failure events, in order
 */
record TelemetryHealth(
    String state, String explanation, List<String> exporters, Map<String, String> facts) {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String SETTINGS_OF_RUN = "SELECT settings_json FROM runs WHERE run_id = ?";

  static TelemetryHealth read(Connection c, String runId) throws SQLException {
    JsonNode telemetry = null;
    try (PreparedStatement ps = LandscapeReads.prepare(c, SETTINGS_OF_RUN, runId);
        ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        try {
          telemetry = JSON.readTree(rs.getString(1)).get("telemetry");
        } catch (IOException e) {
          return new TelemetryHealth(
              "unknown", "the run's recorded settings are not JSON", List.of(), Map.of());
        }
      }
    }
    if (telemetry == null || !telemetry.path("enabled").asBoolean(false)) {
      return new TelemetryHealth(
          "off", "telemetry was not enabled for this run", List.of(), Map.of());
    }
    List<String> exporters = new ArrayList<>();
    telemetry.path("exporters").forEach(e -> exporters.add(e.path("name").asText("?")));
    String file = telemetry.path("health_file").asText(null);
    if (file == null || file.isEmpty()) {
      return new TelemetryHealth(
          "unknown",
          "this run wrote its health events to its stderr only;"
              + " set telemetry.health_file to see them here",
          exporters,
          Map.of());
    }
    return fromFile(Path.of(file), runId, exporters);
  }

  /** The run's health events in the health file (JSON lines of every run that shares it). */
  static TelemetryHealth fromFile(Path file, String runId, List<String> exporters) {
    if (!Files.isReadable(file)) {
      return new TelemetryHealth(
          "unknown",
          "the health file "
              + file
              + " is not readable here"
              + " (the console reads it on its own machine, relative paths from its own folder)",
          exporters,
          Map.of());
    }
    JsonNode snapshot = null;
    Map<String, Long> events = new TreeMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException bad) {
          continue; // a line cut by a crash: the others still count
        }
        if (e == null || !runId.equals(e.path("run_id").asText())) {
          continue;
        }
        String type = e.path("event_type").asText("?");
        if (type.equals("HealthSnapshot")) {
          snapshot = e;
        } else {
          events.merge(type, 1L, Long::sum);
        }
      }
    } catch (IOException e) {
      return new TelemetryHealth(
          "unknown",
          "cannot read the health file " + file + ": " + e.getMessage(),
          exporters,
          Map.of());
    }
    Map<String, String> facts = new java.util.LinkedHashMap<>();
    events.forEach((type, n) -> facts.put(type + " events", Long.toString(n)));
    boolean degraded = !events.isEmpty();
    if (snapshot != null) {
      facts.put("events emitted", snapshot.path("events_emitted").asText());
      facts.put("events dropped", snapshot.path("events_dropped").asText());
      facts.put("exporter failures", snapshot.path("exporter_failures").toString());
      facts.put("disabled", snapshot.path("disabled").asText());
      facts.put(
          "last snapshot",
          snapshot.path("timestamp").asText()
              + (snapshot.path("last").asBoolean(false) ? " (at close)" : ""));
      degraded |=
          snapshot.path("events_dropped").asLong(0) > 0
              || snapshot.path("disabled").asBoolean(false);
      for (JsonNode n : snapshot.path("exporter_failures")) {
        degraded |= n.asLong(0) > 0;
      }
    }
    if (snapshot == null && events.isEmpty()) {
      return new TelemetryHealth(
          "unknown",
          "the health file " + file + " holds no event of this" + " run",
          exporters,
          facts);
    }
    return new TelemetryHealth(
        degraded ? "degraded" : "healthy",
        degraded
            ? "telemetry lost or failed to deliver events (health file " + file + ")"
            : "no drop, failure or self-disabling reported (health file " + file + ")",
        exporters,
        facts);
  }
}
