package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry health of a run, from its recorded settings and its health file: off, unknown without a
 * health file, healthy, or degraded when the run's health events report drops or exporter failures
 * (other runs' lines in the same file are ignored).
 */
class TelemetryHealthTest {
  private static final Instant T0 = Instant.parse("2026-02-01T09:00:00Z");

  @TempDir Path dir;

  private TelemetryHealth health(String runId, String settingsJson) throws Exception {
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve(runId + ".db")))) {
      store.commit(
          List.of(
              new RunRecord(
                  runId,
                  T0,
                  T0.plusSeconds(1),
                  CanonicalJson.stableHash(settingsJson),
                  settingsJson,
                  null,
                  CanonicalJson.CANONICAL_VERSION,
                  null,
                  null,
                  "completed")));
      try (Connection c = store.connection()) {
        return TelemetryHealth.read(c, runId);
      }
    }
  }

  private static String settings(String healthFile) {
    return "{\"telemetry\":{\"enabled\":true,\"exporters\":[{\"name\":\"otlp\"},"
        + "{\"name\":\"datadog\"}]"
        + (healthFile == null ? "" : ",\"health_file\":\"" + healthFile + "\"")
        + "}}";
  }

  @Test
  void offWhenTheRunHadNoTelemetry() throws Exception {
    assertThat(health("r0", "{}").state(), is("off"));
  }

  @Test
  void unknownWithoutAHealthFileAndSaysWhy() throws Exception {
    TelemetryHealth h = health("r1", settings(null));
    assertThat(h.state(), is("unknown"));
    assertThat(h.explanation(), containsString("stderr only"));
    assertThat(h.exporters(), contains("otlp", "datadog"));
  }

  @Test
  void healthyAndDegradedFromTheRunsOwnHealthEvents() throws Exception {
    Path file = dir.resolve("health.jsonl");
    Files.writeString(
        file,
        String.join(
                "\n",
                "{\"timestamp\":\"2026-02-01T09:00:01Z\",\"run_id\":\"good\",\"event_type\":"
                    + "\"HealthSnapshot\",\"events_emitted\":40,\"events_dropped\":0,"
                    + "\"exporter_failures\":{\"otlp\":0},\"disabled\":false,\"last\":true}",
                "{\"timestamp\":\"2026-02-01T09:00:01Z\",\"run_id\":\"bad\",\"event_type\":"
                    + "\"ExporterFailed\",\"exporter\":\"otlp\",\"failures\":1}",
                "{\"run_id\":\"bad\",\"event_type\":\"HealthSnapshot\",\"events_emitted\":40,"
                    + "\"events_dropped\":3,\"exporter_failures\":{\"otlp\":2},\"disabled\":false,"
                    + "\"last\":true,\"timestamp\":\"2026-02-01T09:00:02Z\"}",
                "not json, cut by a crash")
            + "\n");
    TelemetryHealth good = health("good", settings(file.toString()));
    assertThat(good.state(), is("healthy"));
    assertThat(good.facts(), hasEntry("events emitted", "40"));
    TelemetryHealth bad = health("bad", settings(file.toString()));
    assertThat(bad.state(), is("degraded"));
    assertThat(bad.facts(), hasEntry("ExporterFailed events", "1"));
    assertThat(bad.facts(), hasEntry("events dropped", "3"));
    assertThat(health("absent", settings(file.toString())).state(), is("unknown"));
    assertThat(
        health("gone", settings(dir.resolve("nope.jsonl").toString())).explanation(),
        containsString("not readable here"));
  }
}
