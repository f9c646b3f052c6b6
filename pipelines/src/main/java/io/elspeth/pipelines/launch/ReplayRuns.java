package io.elspeth.pipelines.launch;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.PreflightResultRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.replay.RecordedCalls;
import io.elspeth.connectors.replay.RunVerification;
import io.elspeth.connectors.replay.VerificationReport;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The recorded run a replay or verify run reads: checked before the run, compared after it. */
final class ReplayRuns {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayRuns.class);

  private ReplayRuns() {}

  /** A replay or verify run's recorded run must be in this Landscape, and be another run. */
  static void checkReplaySource(LandscapeStore store, PipelineSettings settings) {
    String from = settings.replayFrom();
    if (from == null) {
      return;
    }
    boolean exists;
    try (Connection c = store.connection()) {
      exists = RecordedCalls.runExists(c, from);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read run " + from + " (replay_from): " + e.getMessage(), e);
    }
    if (!exists) {
      throw new SettingsException(
          settings.file(),
          List.of(
              "replay_from: run "
                  + from
                  + " is not in the Landscape "
                  + settings.landscape()
                  + " (run_mode: "
                  + settings.runMode()
                  + " needs a recorded run of it; `elspeth runs` lists them)"));
    }
  }

  /**
   * Compares a verify run's answers with its recorded run's, records the report in the Landscape
   * (the run's {@code dependency_run} preflight result {@code verified_against}) and returns it.
   */
  static VerificationReport verify(LandscapeStore store, String runId, PipelineSettings settings) {
    String from = java.util.Objects.requireNonNull(settings.replayFrom());
    VerificationReport report;
    try (Connection c = store.connection()) {
      report =
          RunVerification.verify(
              c, runId, from, FilesystemPayloadStore.at(Path.of(settings.payloadStoreBasePath())));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot compare run " + runId + " with run " + from + ": " + e.getMessage(), e);
    }
    store.commit(
        List.of(
            new PreflightResultRecord(
                Ids.groupId(),
                runId,
                "dependency_run",
                "verified_against",
                CanonicalJson.canonicalize(report.toJson()),
                Instant.now())));
    LOG.info(
        "verified run_id={} replay_from={} calls={} matched={} differ={} not_recorded={}",
        runId,
        from,
        report.totalCalls(),
        report.matches(),
        report.mismatches(),
        report.missingRecordings());
    return report;
  }
}
