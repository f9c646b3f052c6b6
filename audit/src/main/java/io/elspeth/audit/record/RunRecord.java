package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code runs}; see spec/landscape.md for the meaning of each column.
 */
public record RunRecord(
    String runId,
    Instant startedAt,
    @Nullable Instant completedAt,
    String configHash,
    String settingsJson,
    @Nullable String reproducibilityGrade,
    String canonicalVersion,
    @Nullable String sourceSchemaJson,
    @Nullable String sourceFieldResolutionJson,
    String status,
    @Nullable String schemaContractJson,
    @Nullable String schemaContractHash)
    implements AuditRecord {

  /** A run without a recorded schema contract. */
  public RunRecord(
      String runId,
      Instant startedAt,
      @Nullable Instant completedAt,
      String configHash,
      String settingsJson,
      @Nullable String reproducibilityGrade,
      String canonicalVersion,
      @Nullable String sourceSchemaJson,
      @Nullable String sourceFieldResolutionJson,
      String status) {
    this(
        runId,
        startedAt,
        completedAt,
        configHash,
        settingsJson,
        reproducibilityGrade,
        canonicalVersion,
        sourceSchemaJson,
        sourceFieldResolutionJson,
        status,
        null,
        null);
  }

  @Override
  public String table() {
    return "runs";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("run_id");
  }

  @Override
  public int rank() {
    return -3;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("run_id", runId);
    c.put("started_at", startedAt);
    c.put("completed_at", completedAt);
    c.put("config_hash", configHash);
    c.put("settings_json", settingsJson);
    c.put("reproducibility_grade", reproducibilityGrade);
    c.put("canonical_version", canonicalVersion);
    c.put("source_schema_json", sourceSchemaJson);
    c.put("source_field_resolution_json", sourceFieldResolutionJson);
    c.put("status", status);
    c.put("schema_contract_json", schemaContractJson);
    c.put("schema_contract_hash", schemaContractHash);
    return c;
  }
}
