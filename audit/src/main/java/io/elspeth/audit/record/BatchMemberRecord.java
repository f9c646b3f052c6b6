package io.elspeth.audit.record;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row of the Landscape table {@code batch_members}: token {@code tokenId} is the {@code
 * ordinal}-th row buffered into batch {@code batchId}. Written when the token is buffered.
 */
public record BatchMemberRecord(String batchId, String tokenId, int ordinal)
    implements AuditRecord {

  @Override
  public String table() {
    return "batch_members";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("batch_id", "token_id");
  }

  /** After the token it names. */
  @Override
  public int rank() {
    return 6;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("batch_id", batchId);
    c.put("token_id", tokenId);
    c.put("ordinal", ordinal);
    return c;
  }
}
