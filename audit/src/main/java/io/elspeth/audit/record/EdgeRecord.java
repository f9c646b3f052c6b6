package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row of the Landscape table {@code edges}; see spec/landscape.md for the meaning of each column.
 */
public record EdgeRecord(
    String edgeId,
    String runId,
    String fromNodeId,
    String toNodeId,
    String label,
    String defaultMode,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "edges";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("edge_id");
  }

  @Override
  public int rank() {
    return -1;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("edge_id", edgeId);
    c.put("run_id", runId);
    c.put("from_node_id", fromNodeId);
    c.put("to_node_id", toNodeId);
    c.put("label", label);
    c.put("default_mode", defaultMode);
    c.put("created_at", createdAt);
    return c;
  }
}
