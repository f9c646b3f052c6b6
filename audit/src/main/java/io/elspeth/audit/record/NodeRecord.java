package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code nodes}; see spec/landscape.md for the meaning of each column.
 */
public record NodeRecord(
    String nodeId,
    String runId,
    String pluginName,
    String nodeType,
    String pluginVersion,
    String determinism,
    String configHash,
    String configJson,
    Instant registeredAt,
    @Nullable String schemaMode,
    @Nullable String schemaFieldsJson,
    @Nullable String inputContractJson,
    @Nullable String outputContractJson)
    implements AuditRecord {

  /** A node without recorded schema contracts. */
  public NodeRecord(
      String nodeId,
      String runId,
      String pluginName,
      String nodeType,
      String pluginVersion,
      String determinism,
      String configHash,
      String configJson,
      Instant registeredAt,
      @Nullable String schemaMode,
      @Nullable String schemaFieldsJson) {
    this(
        nodeId,
        runId,
        pluginName,
        nodeType,
        pluginVersion,
        determinism,
        configHash,
        configJson,
        registeredAt,
        schemaMode,
        schemaFieldsJson,
        null,
        null);
  }

  @Override
  public String table() {
    return "nodes";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("node_id", "run_id");
  }

  @Override
  public int rank() {
    return -2;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("node_id", nodeId);
    c.put("run_id", runId);
    c.put("plugin_name", pluginName);
    c.put("node_type", nodeType);
    c.put("plugin_version", pluginVersion);
    c.put("determinism", determinism);
    c.put("config_hash", configHash);
    c.put("config_json", configJson);
    c.put("registered_at", registeredAt);
    c.put("schema_mode", schemaMode);
    c.put("schema_fields_json", schemaFieldsJson);
    c.put("input_contract_json", inputContractJson);
    c.put("output_contract_json", outputContractJson);
    return c;
  }
}
