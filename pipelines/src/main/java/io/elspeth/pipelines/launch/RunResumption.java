package io.elspeth.pipelines.launch;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeWriteException;
import io.elspeth.connectors.sink.PublicationRepair;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.openlineage.RunLineage;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.SinkResume;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a run takes its lease, and how a resume claims the run it resumes, repairs that run's chain
 * of outputs and reads where to continue.
 */
final class RunResumption {
  private static final Logger LOG = LoggerFactory.getLogger(RunResumption.class);

  private RunResumption() {}

  /** A new run's lease, taken before anything of the run is recorded. */
  static RunLease takeLease(LandscapeStore store, String runId) {
    return store.inTransaction("take the lease of run " + runId, c -> RunLeases.insert(c, runId));
  }

  /**
   * Checks that {@code resumeOf} may be resumed, then claims it for {@code runId} and takes the new
   * run's lease in one transaction: of two resumes started at once, the second claim fails on the
   * claim's key and that resume is refused. A dead owner's run still marked running is marked
   * interrupted.
   */
  static RunLease claim(
      LandscapeStore store, String resumeOf, String runId, PipelinePlan plan, RunLineage lineage) {
    // One connection at a time: the SQLite pool has one.
    try (Connection c = store.connection()) {
      ResumePoint.of(c, resumeOf, plan, null);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read run " + resumeOf + " to resume it: " + e.getMessage(), e);
    }
    RunLease lease;
    try {
      lease =
          store.inTransaction(
              "claim run " + resumeOf + " for resuming",
              c -> {
                // A claim whose run never got recorded and whose process is gone binds nobody; a
                // live
                // claimer's stays, and the insert below then fails on the claim's key.
                java.util.Optional<String> earlier = Resumptions.resumedBy(c, resumeOf);
                if (earlier.isPresent() && ResumePoint.isStaleClaim(c, earlier.get())) {
                  Resumptions.dropClaim(c, resumeOf, earlier.get());
                }
                Resumptions.claim(c, resumeOf, runId);
                return RunLeases.insert(c, runId);
              });
    } catch (LandscapeWriteException e) {
      String other;
      try (Connection c = store.connection()) {
        other = Resumptions.resumedBy(c, resumeOf).orElse("another run");
      } catch (SQLException s) {
        other = "another run";
      }
      throw new ResumePoint.ResumeException(
          "run "
              + resumeOf
              + " is being resumed by run "
              + other
              + " (started at the same time); this resume stops");
    }
    if (store.completeRun(resumeOf, "interrupted", Instant.now())) {
      LOG.info("run marked interrupted run_id={} (its owner is gone)", resumeOf);
      lineage.aborted(resumeOf);
    }
    return lease;
  }

  /**
   * Makes the outputs of the resumed chain agree with the Landscape (finishing any publication a
   * crash interrupted and recording its missing outcomes), then reads which rows are finished.
   */
  static ResumePoint repairAndReadResumePoint(
      LandscapeStore store, String resumeOf, String runId, PipelinePlan plan) {
    List<String> chain;
    try (Connection c = store.connection()) {
      chain = Resumptions.chainEndingAt(c, resumeOf);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read run " + resumeOf + " to resume it: " + e.getMessage(), e);
    }
    Map<String, io.elspeth.connectors.sink.SinkWriter> writers = new LinkedHashMap<>();
    for (PipelineSettings.Sink sink : plan.settings().sinks().values()) {
      writers.put(sink.name(), sink.descriptor().create(plan.sinkOptions(sink)));
    }
    for (String run : chain) {
      if (PublicationRepair.repairRun(store, run, writers).outcomesRecorded() > 0) {
        // A failed run of the chain got outcomes: its stored aggregates are out of date.
        RunAggregatesRecorder.refreshAfterRepair(
            store, run, plan.settings().payloadStoreBasePath());
      }
    }
    plan.fileSinkPaths().forEach(path -> PublicationRepair.removeOrphans(Path.of(path)));
    CrashPoint.reached("resume.repaired");
    try (Connection c = store.connection()) {
      return ResumePoint.of(c, resumeOf, plan, runId);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read run " + resumeOf + " to resume it: " + e.getMessage(), e);
    }
  }

  /**
   * What each sink continues of the repaired chain: the chain's first run, and the target the sink
   * last published in it (a blob named after the run and the time is appended to there).
   */
  static Map<String, SinkResume> sinkResumes(
      LandscapeStore store, List<String> chain, PipelinePlan plan) {
    Map<String, SinkResume> out = new LinkedHashMap<>();
    try (Connection c = store.connection()) {
      for (Map.Entry<String, PipelinePlan.Node> sink : plan.sinks().entrySet()) {
        out.put(
            sink.getKey(),
            new SinkResume(
                chain.get(0),
                SinkPublications.lastPublishedTarget(c, chain, sink.getValue().nodeId())
                    .orElse(null)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read what the sinks of run "
              + chain.get(chain.size() - 1)
              + " published: "
              + e.getMessage(),
          e);
    }
    return out;
  }
}
