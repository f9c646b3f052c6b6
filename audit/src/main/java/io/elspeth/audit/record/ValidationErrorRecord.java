package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code validation_errors}; see spec/landscape.md for the meaning of
 * each column.
 */
public record ValidationErrorRecord(
    String errorId,
    String runId,
    @Nullable String nodeId,
    String rowHash,
    @Nullable String rowDataJson,
    String error,
    String schemaMode,
    String destination,
    Instant createdAt,
    @Nullable String violationType,
    @Nullable String originalFieldName,
    @Nullable String normalizedFieldName,
    @Nullable String expectedType,
    @Nullable String actualType)
    implements AuditRecord {

  @Override
  public String table() {
    return "validation_errors";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("error_id");
  }

  @Override
  public int rank() {
    return 1;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("error_id", errorId);
    c.put("run_id", runId);
    c.put("node_id", nodeId);
    c.put("row_hash", rowHash);
    c.put("row_data_json", rowDataJson);
    c.put("error", error);
    c.put("schema_mode", schemaMode);
    c.put("destination", destination);
    c.put("created_at", createdAt);
    c.put("violation_type", violationType);
    c.put("original_field_name", originalFieldName);
    c.put("normalized_field_name", normalizedFieldName);
    c.put("expected_type", expectedType);
    c.put("actual_type", actualType);
    return c;
  }
}
