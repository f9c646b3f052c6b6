package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code batches}: one aggregation batch, written once when it is
 * flushed (the Landscape is append-only, so the batch is recorded in its final status, completed or
 * failed, rather than moved through draft and executing).
 */
public record BatchRecord(
    String batchId,
    String runId,
    String aggregationNodeId,
    @Nullable String aggregationStateId,
    @Nullable String triggerReason,
    @Nullable String triggerType,
    int attempt,
    String status,
    Instant createdAt,
    @Nullable Instant completedAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "batches";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("batch_id");
  }

  /** After the flush's node state, before the outcomes that name the batch. */
  @Override
  public int rank() {
    return 5;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("batch_id", batchId);
    c.put("run_id", runId);
    c.put("aggregation_node_id", aggregationNodeId);
    c.put("aggregation_state_id", aggregationStateId);
    c.put("trigger_reason", triggerReason);
    c.put("trigger_type", triggerType);
    c.put("attempt", attempt);
    c.put("status", status);
    c.put("created_at", createdAt);
    c.put("completed_at", completedAt);
    return c;
  }
}
