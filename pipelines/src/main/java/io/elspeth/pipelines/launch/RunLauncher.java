package io.elspeth.pipelines.launch;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.PreflightResultRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.SecretResolutionRecord;
import io.elspeth.audit.schema.SchemaAccess;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.store.LandscapeWriteException;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.RecordedCalls;
import io.elspeth.connectors.replay.ReplaySource;
import io.elspeth.connectors.replay.RunVerification;
import io.elspeth.connectors.replay.VerificationReport;
import io.elspeth.connectors.sink.PublicationRepair;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.openlineage.RunLineage;
import io.elspeth.pipelines.secrets.LoadedSecrets;
import io.elspeth.pipelines.settings.DeclaredSecrets;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.pipelines.settings.SettingsSecrets;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.SinkResume;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.PhaseAction;
import io.elspeth.telemetry.event.TelemetryEvent.PipelinePhase;
import io.elspeth.telemetry.event.TelemetryEvent.RunStatus;
import io.elspeth.telemetry.manager.TelemetryFailureException;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import io.elspeth.transforms.gate.DeliveredBranches;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
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

  private final RunObserver observer;
  private final @Nullable Duration progressInterval;

  /** A launcher running each pipeline on the runner its settings name ({@code runner}). */
  public RunLauncher() {
    this(RunObserver.NONE, null);
  }

  /**
   * A launcher that tells {@code observer} the run's phases and, every {@code progressInterval}
   * while rows flow (null: never), its progress read from the Landscape.
   */
  public RunLauncher(RunObserver observer, @Nullable Duration progressInterval) {
    this.observer = java.util.Objects.requireNonNull(observer, "observer");
    if (progressInterval != null && (progressInterval.isNegative() || progressInterval.isZero())) {
      throw new IllegalArgumentException("progressInterval must be positive: " + progressInterval);
    }
    this.progressInterval = progressInterval;
  }

  /**
   * Checks that need the world without running anything: the input is present, and secrets in the
   * settings can be fingerprinted (fail closed without {@code ELSPETH_FINGERPRINT_KEY}, as ELSPETH
   * does, unless {@code ELSPETH_ALLOW_RAW_SECRETS=true}, which leaves them out).
   */
  public static void preflight(PipelineSettings settings) {
    preflight(settings, fingerprinter(settings), SecretFingerprinter.rawSecretsAllowed());
  }

  /**
   * Keyed from the environment, or by the {@code ELSPETH_FINGERPRINT_KEY} the settings' {@code
   * secrets:} block loaded from Key Vault (then also set as the system property {@code
   * elspeth.fingerprint.key}, so this JVM's clients fingerprint with the same key).
   */
  private static SecretFingerprinter fingerprinter(PipelineSettings settings) {
    SecretFingerprinter.registerKnownValues(SettingsSecrets.of(settings).values().values());
    String loaded = SettingsSecrets.of(settings).value(SecretFingerprinter.KEY_ENV);
    if (loaded == null) {
      return SecretFingerprinter.fromEnvironment();
    }
    String env = System.getenv(SecretFingerprinter.KEY_ENV);
    if (env != null && !env.isEmpty() && !env.equals(loaded)) {
      // Clients of this JVM read the environment first: two keys would make two fingerprints.
      throw new SettingsException(
          settings.file(),
          List.of(
              "secrets.mapping."
                  + SecretFingerprinter.KEY_ENV
                  + ": the fingerprint key loaded from Key Vault differs"
                  + " from the environment variable "
                  + SecretFingerprinter.KEY_ENV
                  + "; unset one"));
    }
    System.setProperty("elspeth.fingerprint.key", loaded);
    return new SecretFingerprinter(loaded);
  }

  static void preflight(
      PipelineSettings settings, SecretFingerprinter secrets, boolean rawSecretsAllowed) {
    List<String> problems = new ArrayList<>();
    if (!secrets.hasKey() && !rawSecretsAllowed) {
      for (String path :
          DeclaredSecrets.apply(settings, secrets).secretPaths(settings.resolved())) {
        problems.add(
            path
                + ": a secret is configured but "
                + SecretFingerprinter.KEY_ENV
                + " is not set, so it cannot be fingerprinted for the audit record; set "
                + SecretFingerprinter.KEY_ENV
                + " (or "
                + SecretFingerprinter.ALLOW_RAW_ENV
                + "=true in development, which leaves secrets out of the record)");
      }
    }
    settings
        .source()
        .descriptor()
        .preflight(settings.source().options())
        .forEach(p -> problems.add("source.options." + p));
    String signingKey = System.getenv(io.elspeth.audit.export.SigningKey.ENV);
    if (settings.export() != null
        && settings.export().sign()
        && (signingKey == null || signingKey.isEmpty())) {
      problems.add(
          "landscape.export.sign: a signed export needs the HMAC key in the environment"
              + " variable "
              + io.elspeth.audit.export.SigningKey.ENV
              + ", which is not set");
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(settings.file(), problems);
    }
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
    return DeclaredSecrets.apply(
            settings,
            fingerprinter(settings)
                .withSecretUrlParams(ClientSettings.secretUrlParams(settings.resolved())))
        .withKnownValues(SettingsSecrets.of(settings).values().values());
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
      List<AuditRecord> graph = new ArrayList<>();
      ResumePoint resumed = null;
      checkReplaySource(store, settings);
      RunLease lease =
          resumeOf == null ? takeLease(store, runId) : claim(store, resumeOf, runId, plan, lineage);
      alive = RunLeases.keepAlive(store, lease);
      if (resumeOf != null) {
        resumed = repairAndReadResumePoint(store, resumeOf, runId, plan);
        plan =
            plan.resuming(
                resumed.done(),
                resumed.deliveredForks(),
                sinkResumes(store, resumed.chain(), plan));
      }
      io.elspeth.audit.contract.SchemaContractRecord contract = plan.runContract();
      graph.add(
          new RunRecord(
              runId,
              started,
              null,
              CanonicalJson.stableHash(auditedSettings),
              CanonicalJson.canonicalize(auditedSettings),
              null,
              CanonicalJson.CANONICAL_VERSION,
              null,
              null,
              "running",
              contract.toJson(),
              contract.versionHash()));
      for (LoadedSecrets.Resolution r : SettingsSecrets.of(settings).resolutions()) {
        graph.add(
            new SecretResolutionRecord(
                Ids.groupId(),
                runId,
                r.resolvedAt(),
                r.envVarName(),
                "keyvault",
                r.vaultUrl(),
                r.secretName(),
                r.fingerprint(),
                r.latencyMs()));
      }
      graph.addAll(plan.graphRecords(started));
      String replayFrom = settings.replayFrom();
      if (replayFrom != null) {
        // Beside run_mode and replay_from in settings_json: where a reader of the run looks for
        // the runs it depends on (as a resume records the run it resumes).
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("run_id", replayFrom);
        link.put("run_mode", settings.runMode());
        graph.add(
            new PreflightResultRecord(
                Ids.groupId(),
                runId,
                "dependency_run",
                "replay_from",
                CanonicalJson.canonicalize(link),
                started));
        LOG.info("{} run run_id={} replay_from={}", settings.runMode(), runId, replayFrom);
      }
      if (resumed != null) {
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("run_id", resumed.previousRunId());
        link.put("rows_recorded", resumed.rowsRecorded());
        link.put("rows_skipped", resumed.rowsDone());
        link.put(
            "fork_branches_delivered",
            resumed.deliveredForks().values().stream().mapToLong(DeliveredBranches::size).sum());
        graph.add(
            new PreflightResultRecord(
                Ids.groupId(),
                runId,
                "dependency_run",
                "resume_of",
                CanonicalJson.canonicalize(link),
                started));
        LOG.info("resuming run_id={} of={} rows_skipped={}", runId, resumeOf, resumed.rowsDone());
      }
      store.commit(graph);
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
            execute(
                plan,
                buildGraph,
                store,
                runId,
                telemetry,
                lineage,
                System.nanoTime(),
                estimatedRows);
        if (ReplaySource.VERIFY.equals(settings.runMode()) && summary.counts() != null) {
          summary = summary.withVerification(verify(store, runId, settings));
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

  /** A replay or verify run's recorded run must be in this Landscape, and be another run. */
  private static void checkReplaySource(LandscapeStore store, PipelineSettings settings) {
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
  private static VerificationReport verify(
      LandscapeStore store, String runId, PipelineSettings settings) {
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

  private static void closeQuietly(@Nullable AutoCloseable alive) {
    if (alive != null) {
      try {
        alive.close();
      } catch (Exception e) {
        LOG.warn("cannot release a run lease: {}", e.getMessage());
      }
    }
  }

  /** A new run's lease, taken before anything of the run is recorded. */
  private static RunLease takeLease(LandscapeStore store, String runId) {
    return store.inTransaction("take the lease of run " + runId, c -> RunLeases.insert(c, runId));
  }

  /**
   * Checks that {@code resumeOf} may be resumed, then claims it for {@code runId} and takes the new
   * run's lease in one transaction: of two resumes started at once, the second claim fails on the
   * claim's key and that resume is refused. A dead owner's run still marked running is marked
   * interrupted.
   */
  private static RunLease claim(
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
  private static ResumePoint repairAndReadResumePoint(
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
  private static Map<String, SinkResume> sinkResumes(
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

  private RunSummary execute(
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
        failure = rootMessage(e);
        cause = e;
        // The reason in one line; the summary carries the exception, whose trace the CLI
        // prints with --verbose.
        LOG.error("run failed run_id={} reason={}", runId, failure);
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
        LOG.error("run failed run_id={} reason={}", runId, failure);
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
