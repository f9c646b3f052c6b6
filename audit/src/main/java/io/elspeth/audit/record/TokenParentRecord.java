package io.elspeth.audit.record;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row of the Landscape table {@code token_parents}; see spec/landscape.md for the meaning of each
 * column.
 */
public record TokenParentRecord(String tokenId, String parentTokenId, int ordinal)
    implements AuditRecord {

  @Override
  public String table() {
    return "token_parents";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("token_id", "parent_token_id");
  }

  @Override
  public int rank() {
    return 3;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("token_id", tokenId);
    c.put("parent_token_id", parentTokenId);
    c.put("ordinal", ordinal);
    return c;
  }
}
