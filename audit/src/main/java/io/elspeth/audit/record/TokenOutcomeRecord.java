package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code token_outcomes}; see spec/landscape.md for the meaning of
 * each column.
 *
 * @param rowId the source row of the token (not stored: the {@code tokens} table has it); carried
 *     so that the commit can emit the outcome's telemetry without reading the token back, whichever
 *     transaction commits the token; null when the maker did not know it
 */
public record TokenOutcomeRecord(
    String outcomeId,
    String runId,
    String tokenId,
    String outcome,
    int isTerminal,
    Instant recordedAt,
    @Nullable String sinkName,
    @Nullable String batchId,
    @Nullable String forkGroupId,
    @Nullable String joinGroupId,
    @Nullable String expandGroupId,
    @Nullable String errorHash,
    @Nullable String contextJson,
    @Nullable String expectedBranchesJson,
    @Nullable String rowId)
    implements AuditRecord {

  /** An outcome whose token's row is not carried with it. */
  public TokenOutcomeRecord(
      String outcomeId,
      String runId,
      String tokenId,
      String outcome,
      int isTerminal,
      Instant recordedAt,
      @Nullable String sinkName,
      @Nullable String batchId,
      @Nullable String forkGroupId,
      @Nullable String joinGroupId,
      @Nullable String expandGroupId,
      @Nullable String errorHash,
      @Nullable String contextJson,
      @Nullable String expectedBranchesJson) {
    this(
        outcomeId,
        runId,
        tokenId,
        outcome,
        isTerminal,
        recordedAt,
        sinkName,
        batchId,
        forkGroupId,
        joinGroupId,
        expandGroupId,
        errorHash,
        contextJson,
        expectedBranchesJson,
        null);
  }

  @Override
  public String table() {
    return "token_outcomes";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("outcome_id");
  }

  @Override
  public int rank() {
    return 6;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("outcome_id", outcomeId);
    c.put("run_id", runId);
    c.put("token_id", tokenId);
    c.put("outcome", outcome);
    c.put("is_terminal", isTerminal);
    c.put("recorded_at", recordedAt);
    c.put("sink_name", sinkName);
    c.put("batch_id", batchId);
    c.put("fork_group_id", forkGroupId);
    c.put("join_group_id", joinGroupId);
    c.put("expand_group_id", expandGroupId);
    c.put("error_hash", errorHash);
    c.put("context_json", contextJson);
    c.put("expected_branches_json", expectedBranchesJson);
    return c;
  }
}
