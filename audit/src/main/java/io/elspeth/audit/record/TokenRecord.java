package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code tokens}; see spec/landscape.md for the meaning of each
 * column.
 */
public record TokenRecord(
    String tokenId,
    String rowId,
    String runId,
    @Nullable String forkGroupId,
    @Nullable String joinGroupId,
    @Nullable String expandGroupId,
    @Nullable String branchName,
    @Nullable Integer stepInPipeline,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "tokens";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("token_id");
  }

  @Override
  public int rank() {
    return 2;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("token_id", tokenId);
    c.put("row_id", rowId);
    c.put("run_id", runId);
    c.put("fork_group_id", forkGroupId);
    c.put("join_group_id", joinGroupId);
    c.put("expand_group_id", expandGroupId);
    c.put("branch_name", branchName);
    c.put("step_in_pipeline", stepInPipeline);
    c.put("created_at", createdAt);
    return c;
  }
}
