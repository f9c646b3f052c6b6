package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row of the Landscape table {@code preflight_results}: a check or dependency recorded before a
 * run processes rows. A resumed run records the run it resumes as a {@code dependency_run}.
 */
public record PreflightResultRecord(
    String resultId,
    String runId,
    String resultType,
    String name,
    String resultJson,
    Instant createdAt)
    implements AuditRecord {

  @Override
  public String table() {
    return "preflight_results";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("result_id");
  }

  @Override
  public int rank() {
    return -1;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("result_id", resultId);
    c.put("run_id", runId);
    c.put("result_type", resultType);
    c.put("name", name);
    c.put("result_json", resultJson);
    c.put("created_at", createdAt);
    return c;
  }
}
