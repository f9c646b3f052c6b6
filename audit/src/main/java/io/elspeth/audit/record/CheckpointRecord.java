package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code checkpoints}: what a step must know to carry on after the run
 * stopped, committed before the step waits on it. Written today by an aggregation whose batch
 * plugin submitted work that finishes later (the Azure Batch API): its {@code
 * aggregation_state_json} names the submitted batch and the rows in it, so a resumed run polls that
 * batch instead of submitting (and paying for) it again.
 *
 * <p>Node ids are derived from the node's plugin and configuration, and a run resumes only with the
 * same node ids, so {@code upstream_topology_hash} and {@code checkpoint_node_config_hash} hold
 * hashes of the node ids the checkpoint was taken under.
 */
public record CheckpointRecord(
    String checkpointId,
    String runId,
    String tokenId,
    String nodeId,
    long sequenceNumber,
    @Nullable String aggregationStateJson,
    @Nullable String coalesceStateJson,
    Instant createdAt,
    String upstreamTopologyHash,
    String checkpointNodeConfigHash,
    @Nullable Integer formatVersion)
    implements AuditRecord {

  @Override
  public String table() {
    return "checkpoints";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("checkpoint_id");
  }

  @Override
  public int rank() {
    return 6;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("checkpoint_id", checkpointId);
    c.put("run_id", runId);
    c.put("token_id", tokenId);
    c.put("node_id", nodeId);
    c.put("sequence_number", sequenceNumber);
    c.put("aggregation_state_json", aggregationStateJson);
    c.put("coalesce_state_json", coalesceStateJson);
    c.put("created_at", createdAt);
    c.put("upstream_topology_hash", upstreamTopologyHash);
    c.put("checkpoint_node_config_hash", checkpointNodeConfigHash);
    c.put("format_version", formatVersion);
    return c;
  }
}
