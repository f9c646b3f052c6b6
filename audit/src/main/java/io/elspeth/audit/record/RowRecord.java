package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code rows}; see spec/landscape.md for the meaning of each column.
 *
 * @param tokenId the row's first token (not stored: the {@code tokens} table has it); carried so
 *     that the commit emits the row's {@code RowCreated} with the row's hash and token from this
 *     one record, whichever transaction commits the token; null when the maker did not know it
 */
public record RowRecord(
    String rowId,
    String runId,
    String sourceNodeId,
    long rowIndex,
    String sourceDataHash,
    @Nullable String sourceDataRef,
    Instant createdAt,
    @Nullable String tokenId)
    implements AuditRecord {

  /** A row whose first token is not carried with it. */
  public RowRecord(
      String rowId,
      String runId,
      String sourceNodeId,
      long rowIndex,
      String sourceDataHash,
      @Nullable String sourceDataRef,
      Instant createdAt) {
    this(rowId, runId, sourceNodeId, rowIndex, sourceDataHash, sourceDataRef, createdAt, null);
  }

  @Override
  public String table() {
    return "rows";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("row_id");
  }

  @Override
  public int rank() {
    return 1;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("row_id", rowId);
    c.put("run_id", runId);
    c.put("source_node_id", sourceNodeId);
    c.put("row_index", rowIndex);
    c.put("source_data_hash", sourceDataHash);
    c.put("source_data_ref", sourceDataRef);
    c.put("created_at", createdAt);
    return c;
  }
}
