package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code operations}; see spec/landscape.md for the meaning of each
 * column.
 */
public record OperationRecord(
    String operationId,
    String runId,
    String nodeId,
    String operationType,
    Instant startedAt,
    @Nullable Instant completedAt,
    String status,
    @Nullable String inputDataRef,
    @Nullable String inputDataHash,
    @Nullable String outputDataRef,
    @Nullable String outputDataHash,
    @Nullable String errorMessage,
    @Nullable Double durationMs)
    implements AuditRecord {

  @Override
  public String table() {
    return "operations";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("operation_id");
  }

  @Override
  public int rank() {
    return 4;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("operation_id", operationId);
    c.put("run_id", runId);
    c.put("node_id", nodeId);
    c.put("operation_type", operationType);
    c.put("started_at", startedAt);
    c.put("completed_at", completedAt);
    c.put("status", status);
    c.put("input_data_ref", inputDataRef);
    c.put("input_data_hash", inputDataHash);
    c.put("output_data_ref", outputDataRef);
    c.put("output_data_hash", outputDataHash);
    c.put("error_message", errorMessage);
    c.put("duration_ms", durationMs);
    return c;
  }
}
