package io.elspeth.pipelines.launch;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.audit.schema.SchemaAccess;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.ReplaySource;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.openlineage.RunLineage;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.manager.TelemetryFailureException;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a validated pipeline: pre-run checks, the run and its graph recorded in the Landscape before
 * any row moves, the Beam pipeline on the chosen runner, then the run reconciled in the database
 * and completed (or failed, with the reason). A run whose audit cannot be written, or does not
 * reconcile, is failed. Telemetry lifecycle events (RunStarted, PhaseChanged, RunFinished) are
 * emitted after the Landscape writes they report, through the run's per-JVM manager (shared with
 * the commit steps when the runner executes in this JVM, so one FIFO order holds); the manager is
 * flushed with a timeout at the end, and a telemetry failure surfaces only when the run itself
 * succeeded.
 */
public final class RunLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(RunLauncher.class);

  /** How long the end of a run waits for queued telemetry to be delivered. */
  static final Duration TELEMETRY_FLUSH_TIMEOUT = Duration.ofSeconds(30);

  private final RunExecution execution;

  /** A launcher running each pipeline on the runner its settings name ({@code runner}). */
  public RunLauncher() {
    this(RunObserver.NONE, null);
  }

  /**
   * A launcher that tells {@code observer} the run's phases and, every {@code progressInterval}
   * while rows flow (null: never), its progress read from the Landscape.
   */
  public RunLauncher(RunObserver observer, @Nullable Duration progressInterval) {
    java.util.Objects.requireNonNull(observer, "observer");
    if (progressInterval != null && (progressInterval.isNegative() || progressInterval.isZero())) {
      throw new IllegalArgumentException("progressInterval must be positive: " + progressInterval);
    }
    this.execution = new RunExecution(observer, progressInterval);
  }

  /**
   * Checks that need the world without running anything: the input is present, and secrets in the
   * settings can be fingerprinted (fail closed without {@code ELSPETH_FINGERPRINT_KEY}, as ELSPETH
   * does, unless {@code ELSPETH_ALLOW_RAW_SECRETS=true}, which leaves them out).
   */
  public static void preflight(PipelineSettings settings) {
    RunPreflight.preflight(settings);
  }

  public RunSummary run(PipelineSettings settings) {
    return run(settings, null);
  }

  /**
   * Runs the pipeline again for the rows {@code previousRunId} did not finish: the new run skips
   * the source rows whose tokens all reached terminal outcomes there, appends to the sinks, and
   * records the run it resumes as a {@code dependency_run} preflight result.
   */
  public RunSummary resume(PipelineSettings settings, String previousRunId) {
    return run(settings, previousRunId);
  }

  private RunSummary run(PipelineSettings settings, @Nullable String resumeOf) {
    preflight(settings);
    PipelinePlan planned = PipelinePlan.of(Ids.runId(), settings, runSecrets(settings));
    return launch(
        planned,
        resumeOf,
        settings.runner().profile().configName(),
        plan -> {
          Pipeline pipeline = Pipeline.create(pipelineOptions(plan.settings()));
          PipelineGraphBuilder.build(pipeline, plan);
          return pipeline;
        });
  }

  /**
   * Runs {@code pipeline}, in which {@link PipelineGraphBuilder} already built {@code plan} (the
   * Java API's path, {@code io.elspeth.api.ElspethPipeline}): the same checks, run and graph
   * records, reconciliation and completion as a run of the command line.
   */
  public RunSummary run(Pipeline pipeline, PipelinePlan plan) {
    return launch(plan, null, runnerName(pipeline.getOptions()), p -> pipeline);
  }

  /**
   * Resumes {@code previousRunId} with a new run planned as {@code plan}, as {@link #resume(
   * PipelineSettings, String)} does, on a pipeline of the caller's (the Java API's path): {@code
   * buildGraph} builds the resuming plan it is given into that pipeline once the resumed run is
   * claimed and repaired and the rows to skip are known, and returns the pipeline, whose runner is
   * {@code runner}'s.
   */
  public RunSummary resume(
      PipelinePlan plan,
      String previousRunId,
      PipelineOptions runner,
      Function<PipelinePlan, Pipeline> buildGraph) {
    return launch(
        plan,
        java.util.Objects.requireNonNull(previousRunId, "previousRunId"),
        runnerName(runner),
        buildGraph);
  }

  /** The runner of a pipeline built outside the launcher, as the run's log line names it. */
  private static String runnerName(PipelineOptions options) {
    return options.getRunner().getSimpleName();
  }

  /** The secrets of a run of {@code settings}: its declared secret options and URL parameters. */
  public static SecretFingerprinter runSecrets(PipelineSettings settings) {
    return RunPreflight.runSecrets(settings);
  }

  /**
   * The Beam options of a command-line run: the runner profile's, with the execution-model options
   * the steps read ({@link ElspethPipelineOptions}) set from the profile.
   */
  static PipelineOptions pipelineOptions(PipelineSettings settings) {
    PipelineOptions options = settings.runner().pipelineOptions();
    boolean inProcess = !settings.runner().profile().distributed();
    ElspethPipelineOptions elspeth = ElspethPipelineOptions.of(options);
    elspeth.setPaceSourceToCommit(inProcess);
    elspeth.setSinkSpillsPerBundle(inProcess);
    elspeth.setSpreadRowsAfterSource(!inProcess);
    elspeth.setReadSourceInParts(!inProcess);
    return options;
  }

  /**
   * Records the run of {@code planned} (resuming {@code resumeOf} when not null), builds its Beam
   * pipeline with {@code buildGraph}, runs it to the end, reconciles and completes the run.
   */
  private RunSummary launch(
      PipelinePlan planned,
      @Nullable String resumeOf,
      String runner,
      Function<PipelinePlan, Pipeline> buildGraph) {
    PipelineSettings settings = planned.settings();
    preflight(settings);
    LandscapeUrl url = settings.landscape();
    // The launcher is the one opener that migrates the Landscape; workers only check it.
    LandscapeStore store = LandscapeStores.acquire(url, SchemaAccess.MIGRATE);
    AutoCloseable alive = null;
    RunLineage lineage = RunLineage.none();
    try {
      // Every writer of this JVM shares the store, so they all journal through it.
      store.useJournal(settings.journal());
      String runId = planned.runId();
      SecretFingerprinter secrets = runSecrets(settings);
      PipelinePlan plan = planned;
      Object auditedSettings = secrets.scrub(settings.resolved());
      lineage = RunLineage.open(planned, CanonicalJson.stableHash(auditedSettings));
      Instant started = Instant.now();
      ResumePoint resumed = null;
      ReplayRuns.checkReplaySource(store, settings);
      RunLease lease =
          resumeOf == null
              ? RunResumption.takeLease(store, runId)
              : RunResumption.claim(store, resumeOf, runId, plan, lineage);
      alive = RunLeases.keepAlive(store, lease);
      if (resumeOf != null) {
        resumed = RunResumption.repairAndReadResumePoint(store, resumeOf, runId, plan);
        plan =
            plan.resuming(
                resumed.done(),
                resumed.deliveredForks(),
                RunResumption.sinkResumes(store, resumed.chain(), plan));
      }
      store.commit(RunStartRecords.of(plan, auditedSettings, started, resumed));
      // The runner that runs the pipeline: the settings' profile for the command, the
      // pipeline's own for the Java API (whose settings' runner section is not read).
      LOG.info("run started run_id={} landscape={} runner={}", runId, url, runner);
      lineage.started(runId, store);
      TelemetryManager telemetry = TelemetryManagers.acquire(runId, settings.telemetry());
      try {
        telemetry.handleEvent(
            new TelemetryEvent.RunStarted(
                Instant.now(),
                runId,
                CanonicalJson.stableHash(auditedSettings),
                settings.source().plugin()));
        long estimatedRows = SourceSize.estimateRows(settings);
        if (estimatedRows >= 0 && resumed != null) {
          estimatedRows = Math.max(0, estimatedRows - resumed.rowsDone());
        }
        RunSummary summary =
            execution.execute(
                plan,
                buildGraph,
                store,
                runId,
                telemetry,
                lineage,
                System.nanoTime(),
                estimatedRows);
        if (ReplaySource.VERIFY.equals(settings.runMode()) && summary.counts() != null) {
          summary = summary.withVerification(ReplayRuns.verify(store, runId, settings));
        }
        flushTelemetry(telemetry, summary);
        return summary;
      } finally {
        TelemetryManagers.release(runId);
      }
    } finally {
      CallReplayer.forget(planned.runId());
      closeQuietly(alive);
      // Bounded wait for the events still queued; a lineage failure never fails the run.
      lineage.close();
      if (settings.journal() != null) {
        store.useJournal(null);
      }
      LandscapeStores.release(url);
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable alive) {
    if (alive != null) {
      try {
        alive.close();
      } catch (Exception e) {
        LOG.warn("cannot release a run lease: {}", e.getMessage());
      }
    }
  }

  /**
   * Waits (bounded) for queued telemetry. A total exporter failure with
   * fail_on_total_exporter_failure raises only when the run succeeded: it never masks a run error.
   */
  private static void flushTelemetry(TelemetryManager telemetry, RunSummary summary) {
    try {
      if (!telemetry.flush(TELEMETRY_FLUSH_TIMEOUT)) {
        LOG.warn(
            "telemetry flush timed out run_id={} after={}",
            telemetry.runId(),
            TELEMETRY_FLUSH_TIMEOUT);
      }
    } catch (TelemetryFailureException e) {
      if (summary.succeeded()) {
        // The exit status is the telemetry's, but the user must learn what became of the run.
        throw new TelemetryFailureException(
            e.getMessage()
                + "\nThe run itself finished and its"
                + " Landscape record is complete:\n"
                + summary.describe());
      }
      LOG.warn(
          "Telemetry flush failed after a failed run run_id={} error={}",
          telemetry.runId(),
          e.getMessage());
    }
  }

  /** The innermost message of a failure, which names what went wrong (not Beam's wrapping). */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null
        && t.getCause() != t
        && (t.getMessage() == null
            || t instanceof org.apache.beam.sdk.Pipeline.PipelineExecutionException
            || t.getClass().getName().startsWith("org.apache.beam")
            || t.getClass().getName().startsWith("org.apache.flink")
            || t instanceof java.util.concurrent.ExecutionException
            || t.getClass() == RuntimeException.class
            || t instanceof java.io.UncheckedIOException)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return LandscapeUrl.redact(m);
  }
}
