package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code artifacts}; see spec/landscape.md for the meaning of each
 * column.
 */
public record ArtifactRecord(
    String artifactId,
    String runId,
    String producedByStateId,
    String sinkNodeId,
    @Nullable String artifactType,
    @Nullable String pathOrUri,
    @Nullable String contentHash,
    @Nullable Long sizeBytes,
    @Nullable String idempotencyKey,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "artifacts";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("artifact_id");
  }

  @Override
  public int rank() {
    return 5;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("artifact_id", artifactId);
    c.put("run_id", runId);
    c.put("produced_by_state_id", producedByStateId);
    c.put("sink_node_id", sinkNodeId);
    c.put("artifact_type", artifactType);
    c.put("path_or_uri", pathOrUri);
    c.put("content_hash", contentHash);
    c.put("size_bytes", sizeBytes);
    c.put("idempotency_key", idempotencyKey);
    c.put("created_at", createdAt);
    return c;
  }
}
