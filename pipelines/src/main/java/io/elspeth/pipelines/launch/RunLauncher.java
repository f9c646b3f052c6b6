package io.elspeth.pipelines.launch;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.runners.RunnerProfile;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a validated pipeline: pre-run checks, the run and its graph recorded in the Landscape
 * before any row moves, the Beam pipeline on the chosen runner, then the run reconciled in the
 * database and completed (or failed, with the reason). A run whose audit cannot be written, or
 * does not reconcile, is failed.
 */
public final class RunLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(RunLauncher.class);

  private final RunnerProfile profile;
  private final int parallelism;

  public RunLauncher(RunnerProfile profile, int parallelism) {
    this.profile = profile;
    this.parallelism = parallelism;
  }

  /** Checks that need the world (input files present) without running anything. */
  public static void preflight(PipelineSettings settings) {
    List<String> problems = new ArrayList<>();
    settings.source().descriptor().preflight(settings.source().options())
        .forEach(p -> problems.add("source.options." + p));
    if (!problems.isEmpty()) {
      throw new SettingsException(settings.file(), problems);
    }
  }

  public RunSummary run(PipelineSettings settings) {
    preflight(settings);
    LandscapeUrl url = settings.landscape();
    LandscapeStore store = LandscapeStores.acquire(url);
    try {
      String runId = Ids.runId();
      SecretFingerprinter secrets = SecretFingerprinter.fromEnvironment();
      PipelinePlan plan = PipelinePlan.of(runId, settings, secrets);
      Object auditedSettings = secrets.scrub(settings.resolved());
      Instant started = Instant.now();
      List<AuditRecord> graph = new ArrayList<>();
      graph.add(new RunRecord(runId, started, null, CanonicalJson.stableHash(auditedSettings),
          CanonicalJson.canonicalize(auditedSettings), null, CanonicalJson.CANONICAL_VERSION,
          null, null, "running"));
      graph.addAll(plan.graphRecords(started));
      store.commit(graph);
      LOG.info("run started run_id={} landscape={}", runId, url);

      String failure = null;
      try {
        Pipeline pipeline = Pipeline.create(profile.options(parallelism));
        PipelineGraphBuilder.build(pipeline, plan);
        PipelineResult.State state = pipeline.run().waitUntilFinish();
        if (state != PipelineResult.State.DONE) {
          failure = "pipeline ended in state " + state;
        }
      } catch (RuntimeException e) {
        failure = rootMessage(e);
        LOG.error("run failed run_id={} reason={}", runId, failure, e);
      }
      RunReconciliation counts = null;
      try (Connection c = store.connection()) {
        counts = RunReconciliation.of(c, runId);
      } catch (SQLException e) {
        failure = failure != null ? failure : "cannot reconcile the run: " + e.getMessage();
      }
      if (failure == null && !counts.reconciles()) {
        failure = "the Landscape does not reconcile: " + String.join("; ", counts.problems());
      }
      String status = failure == null ? "completed" : "failed";
      store.completeRun(runId, status, Instant.now());
      return new RunSummary(runId, status, counts, failure, url.toString());
    } finally {
      LandscapeStores.release(url);
    }
  }

  /** The innermost message of a failure, which names what went wrong (not Beam's wrapping). */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t
        && (t.getMessage() == null || t instanceof org.apache.beam.sdk.Pipeline.PipelineExecutionException
        || t.getClass().getName().startsWith("org.apache.beam")
        || t instanceof java.util.concurrent.ExecutionException
        || t instanceof java.io.UncheckedIOException)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return LandscapeUrl.redact(m);
  }
}
