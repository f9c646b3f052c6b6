package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code routing_events}; see spec/landscape.md for the meaning of
 * each column.
 */
public record RoutingEventRecord(
    String eventId,
    String stateId,
    String edgeId,
    String routingGroupId,
    int ordinal,
    String mode,
    @Nullable String reasonHash,
    @Nullable String reasonRef,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "routing_events";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("event_id");
  }

  @Override
  public int rank() {
    return 5;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("event_id", eventId);
    c.put("state_id", stateId);
    c.put("edge_id", edgeId);
    c.put("routing_group_id", routingGroupId);
    c.put("ordinal", ordinal);
    c.put("mode", mode);
    c.put("reason_hash", reasonHash);
    c.put("reason_ref", reasonRef);
    c.put("created_at", createdAt);
    return c;
  }
}
