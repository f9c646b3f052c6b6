package io.elspeth.pipelines.launch;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.sink.PublicationRepair;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.openlineage.RunLineage;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.PhaseAction;
import io.elspeth.telemetry.event.TelemetryEvent.PipelinePhase;
import io.elspeth.telemetry.event.TelemetryEvent.RunStatus;
import io.elspeth.telemetry.manager.TelemetryManager;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A recorded run from its graph to its end: the Beam pipeline built and run (with progress polled),
 * the sinks' publications settled, the run reconciled and completed or failed, and a completed
 * run's post-run export; each phase told to the observer and to telemetry.
 */
final class RunExecution {
  private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);

  private final RunObserver observer;
  private final @Nullable Duration progressInterval;

  RunExecution(RunObserver observer, @Nullable Duration progressInterval) {
    this.observer = observer;
    this.progressInterval = progressInterval;
  }

  RunSummary execute(
      PipelinePlan plan,
      Function<PipelinePlan, Pipeline> buildGraph,
      LandscapeStore store,
      String runId,
      TelemetryManager telemetry,
      RunLineage lineage,
      long startNanos,
      long estimatedRows) {
    LandscapeUrl url = plan.settings().landscape();
    {
      String failure = null;
      Throwable cause = null;
      RunPhase phase = RunPhase.GRAPH;
      long phaseStart = System.nanoTime();
      try {
        observer.phaseStarted(phase, "building", null);
        telemetry.handleEvent(
            new TelemetryEvent.PhaseChanged(
                Instant.now(), runId, PipelinePhase.GRAPH, PhaseAction.BUILDING));
        Pipeline pipeline = buildGraph.apply(plan);
        observer.phaseCompleted(phase, seconds(phaseStart));
        telemetry.handleEvent(
            new TelemetryEvent.PhaseChanged(
                Instant.now(), runId, PipelinePhase.SOURCE, PhaseAction.INITIALIZING));
        telemetry.handleEvent(
            new TelemetryEvent.PhaseChanged(
                Instant.now(), runId, PipelinePhase.PROCESS, PhaseAction.PROCESSING));
        phase = RunPhase.PROCESS;
        phaseStart = System.nanoTime();
        observer.phaseStarted(phase, "processing", plan.settings().source().plugin());
        PipelineResult.State state;
        try (ProgressPoller poller =
            progressInterval == null
                ? null
                : ProgressPoller.start(
                    store, runId, progressInterval, estimatedRows, observer, startNanos)) {
          state = pipeline.run().waitUntilFinish();
        }
        if (state != PipelineResult.State.DONE) {
          failure = "pipeline ended in state " + state;
        } else {
          // Every audit record of the run is committed: its sinks' publications are settled.
          CrashPoint.reached("launch.pipeline_done");
          PublicationRepair.settleRun(store, runId);
          // A sink task Flink restarted leaves the staged file of its killed attempt.
          plan.fileSinkPaths().forEach(path -> PublicationRepair.removeOrphans(Path.of(path)));
        }
      } catch (RuntimeException | AssertionError e) {
        // A TestPipeline rethrows a failed PAssert as its AssertionError: the run failed.
        failure = RunLauncher.rootMessage(e);
        cause = e;
        // Which run and phase, without the reason: the reason may quote a secret option's value
        // (a parser echoing a connection string), which only the CLI's masking knows by its
        // declared type. The summary carries the reason (printed masked) and the exception,
        // whose trace the CLI prints with --verbose.
        LOG.error("run failed run_id={} phase={}", runId, phase);
      }
      if (failure != null && !store.reachable()) {
        // The Landscape's server is gone: nothing more can be recorded, so the run ends now
        // instead of waiting on a reconciliation and a status it cannot write.
        failure =
            "the Landscape database "
                + url
                + " stopped answering ("
                + failure
                + "); run "
                + runId
                + " stays 'running' there: once the database answers again, `elspeth resume "
                + runId
                + "` finishes it";
        LOG.error("run failed run_id={} phase={} landscape_answers=false", runId, phase);
        observer.phaseError(phase, failure, null);
        telemetry.handleEvent(
            new TelemetryEvent.RunFinished(
                Instant.now(), runId, RunStatus.FAILED, 0, (System.nanoTime() - startNanos) / 1e6));
        return new RunSummary(runId, "failed", null, failure, url.toString(), cause, null);
      }
      if (failure != null) {
        observer.phaseError(phase, failure, null);
      } else {
        observer.phaseCompleted(phase, seconds(phaseStart));
      }
      // Reading a large run back takes a while: say so.
      phaseStart = System.nanoTime();
      observer.phaseStarted(RunPhase.RECONCILE, "checking", null);
      RunReconciliation counts = null;
      CrashPoint.reached("launch.reconcile");
      String reconcileError = null;
      try (Connection c = store.connection()) {
        // Side by side on the machine's cores (at most 4): the run's own work is over.
        counts =
            RunReconciliation.of(
                c,
                runId,
                store::separateConnection,
                Math.min(4, Runtime.getRuntime().availableProcessors()));
        if (!counts.reconciles()) {
          reconcileError =
              "the Landscape does not reconcile: " + String.join("; ", counts.problems());
        }
      } catch (SQLException e) {
        reconcileError = "cannot reconcile the run: " + e.getMessage();
      }
      failure = failure != null ? failure : reconcileError;
      String status = failure == null ? "completed" : "failed";
      // What the console shows of the settled run, recorded with its status: its first view
      // then reads one row, not the run.
      io.elspeth.console.RunAggregates aggregates =
          counts == null
              ? null
              : RunAggregatesRecorder.read(
                  store, runId, counts, plan.settings().payloadStoreBasePath());
      CrashPoint.reached("launch.complete");
      RunAggregatesRecorder.complete(store, runId, status, aggregates);
      lineage.ended(runId, store, failure, counts == null ? 0 : counts.rows());
      if (reconcileError != null) {
        observer.phaseError(RunPhase.RECONCILE, reconcileError, null);
      } else {
        observer.phaseCompleted(RunPhase.RECONCILE, seconds(phaseStart));
      }
      telemetry.handleEvent(
          new TelemetryEvent.RunFinished(
              Instant.now(),
              runId,
              failure == null ? RunStatus.COMPLETED : RunStatus.FAILED,
              failure == null && counts != null ? counts.rows() : 0,
              (System.nanoTime() - startNanos) / 1e6));
      String exportFailure = null;
      if (failure == null && plan.settings().export() != null) {
        exportFailure = export(store, runId, plan.settings().export(), telemetry);
      }
      return new RunSummary(runId, status, counts, failure, url.toString(), cause, exportFailure);
    }
  }

  /**
   * The post-run export of a completed run; its error, or null. As in ELSPETH, a failed export
   * leaves the run completed.
   */
  private @Nullable String export(
      LandscapeStore store,
      String runId,
      io.elspeth.pipelines.settings.LandscapeExport export,
      TelemetryManager telemetry) {
    long start = System.nanoTime();
    observer.phaseStarted(RunPhase.EXPORT, "exporting", export.sink().name());
    telemetry.handleEvent(
        new TelemetryEvent.PhaseChanged(
            Instant.now(), runId, PipelinePhase.EXPORT, PhaseAction.EXPORTING));
    Optional<String> error = PostRunExport.export(store, runId, export, System.getenv());
    if (error.isPresent()) {
      observer.phaseError(RunPhase.EXPORT, error.get(), export.sink().name());
      return error.get();
    }
    observer.phaseCompleted(RunPhase.EXPORT, seconds(start));
    return null;
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
