package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/** A row of the Landscape table {@code node_states}; see spec/landscape.md for the meaning of each column. */
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
    @Nullable Instant completedAt) implements AuditRecord {

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
