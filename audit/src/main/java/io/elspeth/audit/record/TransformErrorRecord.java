package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code transform_errors}; see spec/landscape.md for the meaning of
 * each column.
 */
public record TransformErrorRecord(
    String errorId,
    String runId,
    String tokenId,
    String transformId,
    String rowHash,
    @Nullable String rowDataJson,
    @Nullable String errorDetailsJson,
    String destination,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "transform_errors";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("error_id");
  }

  @Override
  public int rank() {
    return 5;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("error_id", errorId);
    c.put("run_id", runId);
    c.put("token_id", tokenId);
    c.put("transform_id", transformId);
    c.put("row_hash", rowHash);
    c.put("row_data_json", rowDataJson);
    c.put("error_details_json", errorDetailsJson);
    c.put("destination", destination);
    c.put("created_at", createdAt);
    return c;
  }
}
