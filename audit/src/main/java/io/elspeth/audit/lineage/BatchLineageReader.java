package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.InListQuery.inChunks;
import static io.elspeth.audit.lineage.StoredValues.longOrNull;

import io.elspeth.audit.lineage.RowLineage.BatchLineage;
import io.elspeth.audit.lineage.RowLineage.BatchToken;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the aggregation batches of a row's lineage: those its tokens were buffered into, and those
 * whose members are parents of its tokens, each with its members and its outputs.
 */
final class BatchLineageReader {
  private BatchLineageReader() {}

  /**
   * The batches the row's tokens were buffered into, and the batches whose members are parents of
   * the row's tokens: a batch output's parents are the members, often of other rows.
   */
  static List<BatchLineage> readBatches(Connection c, String runId, List<TokenLineage> tokens)
      throws SQLException {
    Set<String> batchIds = new LinkedHashSet<>();
    Set<String> outsideParents = new LinkedHashSet<>();
    Set<String> rowTokens = new HashSet<>();
    tokens.forEach(t -> rowTokens.add(t.tokenId()));
    for (TokenLineage t : tokens) {
      t.outcomes().stream().map(Outcome::batchId).filter(b -> b != null).forEach(batchIds::add);
      t.parentTokenIds().stream().filter(p -> !rowTokens.contains(p)).forEach(outsideParents::add);
    }
    inChunks(
        c,
        "SELECT DISTINCT batch_id FROM token_outcomes WHERE batch_id IS NOT NULL AND"
            + " token_id IN (%s)",
        List.of(),
        outsideParents,
        rs -> batchIds.add(rs.getString(1)));
    if (batchIds.isEmpty()) {
      return List.of();
    }
    record BatchRow(
        String batchId,
        String nodeId,
        @Nullable String stateId,
        @Nullable String triggerType,
        @Nullable String triggerReason,
        String status) {}
    Map<String, BatchRow> rows = new LinkedHashMap<>();
    inChunks(
        c,
        "SELECT batch_id, aggregation_node_id, aggregation_state_id, trigger_type,"
            + " trigger_reason, status FROM batches WHERE run_id = ? AND batch_id IN (%s)",
        List.of(runId),
        batchIds,
        rs ->
            rows.put(
                rs.getString(1),
                new BatchRow(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6))));
    for (String id : batchIds) {
      if (!rows.containsKey(id)) {
        throw new AuditIntegrityException(
            "token_outcomes name batch " + id + ", but run " + runId + " has no such batch");
      }
    }
    Map<String, List<BatchToken>> members = new HashMap<>();
    inChunks(
        c,
        "SELECT m.batch_id, m.ordinal, m.token_id, t.row_id, r.row_index"
            + " FROM batch_members m LEFT JOIN tokens t ON t.token_id = m.token_id"
            + " LEFT JOIN rows r ON r.row_id = t.row_id WHERE m.batch_id IN (%s)",
        List.of(),
        batchIds,
        rs ->
            members
                .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                .add(
                    new BatchToken(
                        rs.getInt(2), rs.getString(3), rs.getString(4), longOrNull(rs, 5))));
    Map<String, Set<String>> seenOutputs = new HashMap<>();
    Map<String, List<BatchToken>> outputs = new HashMap<>();
    inChunks(
        c,
        "SELECT m.batch_id, t.token_id, t.row_id, r.row_index, t.created_at"
            + " FROM batch_members m JOIN token_parents p ON p.parent_token_id = m.token_id"
            + " JOIN tokens t ON t.token_id = p.token_id LEFT JOIN rows r ON r.row_id = t.row_id"
            + " WHERE t.expand_group_id IS NOT NULL AND m.batch_id IN (%s)"
            + " ORDER BY t.created_at, t.token_id",
        List.of(),
        batchIds,
        rs -> {
          String batch = rs.getString(1);
          if (seenOutputs.computeIfAbsent(batch, k -> new HashSet<>()).add(rs.getString(2))) {
            List<BatchToken> list = outputs.computeIfAbsent(batch, k -> new ArrayList<>());
            list.add(
                new BatchToken(list.size(), rs.getString(2), rs.getString(3), longOrNull(rs, 4)));
          }
        });
    List<BatchLineage> result = new ArrayList<>();
    for (BatchRow b : rows.values()) {
      List<BatchToken> m = new ArrayList<>(members.getOrDefault(b.batchId(), List.of()));
      m.sort(Comparator.comparingInt(BatchToken::ordinal));
      result.add(
          new BatchLineage(
              b.batchId(),
              b.nodeId(),
              b.stateId(),
              b.triggerType(),
              b.triggerReason(),
              b.status(),
              m,
              outputs.getOrDefault(b.batchId(), List.of())));
    }
    result.sort(Comparator.comparing(BatchLineage::batchId));
    return result;
  }
}
