package io.elspeth.pipelines.launch;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.PreflightResultRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.SecretResolutionRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.secrets.LoadedSecrets;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsSecrets;
import io.elspeth.transforms.gate.DeliveredBranches;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Landscape holds of a run before any row moves: the run with its audited settings and
 * contract, the secrets it resolved, its graph, and the runs it depends on (the run it replays or
 * verifies against, the run it resumes).
 */
final class RunStartRecords {
  private static final Logger LOG = LoggerFactory.getLogger(RunStartRecords.class);

  private RunStartRecords() {}

  /**
   * The records of run {@code plan.runId()} started at {@code started}, whose settings as audited
   * are {@code auditedSettings}; {@code resumed} is where it continues the run it resumes (null for
   * a new run).
   */
  static List<AuditRecord> of(
      PipelinePlan plan,
      @Nullable Object auditedSettings,
      Instant started,
      @Nullable ResumePoint resumed) {
    PipelineSettings settings = plan.settings();
    String runId = plan.runId();
    List<AuditRecord> records = new ArrayList<>();
    io.elspeth.audit.contract.SchemaContractRecord contract = plan.runContract();
    records.add(
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
      records.add(
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
    records.addAll(plan.graphRecords(started));
    String replayFrom = settings.replayFrom();
    if (replayFrom != null) {
      // Beside run_mode and replay_from in settings_json: where a reader of the run looks for
      // the runs it depends on (as a resume records the run it resumes).
      Map<String, Object> link = new LinkedHashMap<>();
      link.put("run_id", replayFrom);
      link.put("run_mode", settings.runMode());
      records.add(
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
      records.add(
          new PreflightResultRecord(
              Ids.groupId(),
              runId,
              "dependency_run",
              "resume_of",
              CanonicalJson.canonicalize(link),
              started));
      LOG.info(
          "resuming run_id={} of={} rows_skipped={}",
          runId,
          resumed.previousRunId(),
          resumed.rowsDone());
    }
    return records;
  }
}
