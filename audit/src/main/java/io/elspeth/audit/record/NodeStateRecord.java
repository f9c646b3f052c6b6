package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code node_states}; see spec/landscape.md for the meaning of each
 * column.
 *
 * @param rowId the source row of the state's token (not stored: the {@code tokens} table has it);
 *     carried so that the commit can emit the state's telemetry without reading the token back,
 *     whichever transaction commits the token; null when the maker did not know it
 */
public record NodeStateRecord(
    String stateId,
    String tokenId,
    String runId,
    String nodeId,
    int stepIndex,
    int attempt,
    String status,
    String inputHash,
    @Nullable String outputHash,
    @Nullable String contextAfterJson,
    @Nullable Double durationMs,
    @Nullable String errorJson,
    @Nullable String successReasonJson,
    Instant startedAt,
    @Nullable Instant completedAt,
    @Nullable String rowId)
    implements AuditRecord {

  /** A node state whose token's row is not carried with it. */
  public NodeStateRecord(
      String stateId,
      String tokenId,
      String runId,
      String nodeId,
      int stepIndex,
      int attempt,
      String status,
      String inputHash,
      @Nullable String outputHash,
      @Nullable String contextAfterJson,
      @Nullable Double durationMs,
      @Nullable String errorJson,
      @Nullable String successReasonJson,
      Instant startedAt,
      @Nullable Instant completedAt) {
    this(
        stateId,
        tokenId,
        runId,
        nodeId,
        stepIndex,
        attempt,
        status,
        inputHash,
        outputHash,
        contextAfterJson,
        durationMs,
        errorJson,
        successReasonJson,
        startedAt,
        completedAt,
        null);
  }

  /** This state as the {@code attempt}-th visit of its token to its step. */
  public NodeStateRecord withAttempt(int attempt) {
    return new NodeStateRecord(
        stateId,
        tokenId,
        runId,
        nodeId,
        stepIndex,
        attempt,
        status,
        inputHash,
        outputHash,
        contextAfterJson,
        durationMs,
        errorJson,
        successReasonJson,
        startedAt,
        completedAt,
        rowId);
  }

  @Override
  public String table() {
    return "node_states";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("state_id");
  }

  @Override
  public int rank() {
    return 4;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("state_id", stateId);
    c.put("token_id", tokenId);
    c.put("run_id", runId);
    c.put("node_id", nodeId);
    c.put("step_index", stepIndex);
    c.put("attempt", attempt);
    c.put("status", status);
    c.put("input_hash", inputHash);
    c.put("output_hash", outputHash);
    c.put("context_after_json", contextAfterJson);
    c.put("duration_ms", durationMs);
    c.put("error_json", errorJson);
    c.put("success_reason_json", successReasonJson);
    c.put("started_at", startedAt);
    c.put("completed_at", completedAt);
    return c;
  }
}
