package io.elspeth.benchmarks.scenario;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit records a linear pipeline writes per row (row, token, source state, transform state,
 * sink state, outcome), made deterministically from the row number so both sides of a benchmark
 * write exactly the same records.
 */
final class SyntheticAudit {
  static final String RUN = "bench-run";
  static final String SOURCE = "source_csv_bench";
  static final String TRANSFORM = "transform_bench";
  static final String SINK = "sink_out_bench";
  static final int RECORDS_PER_ROW = 6;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private SyntheticAudit() {}

  static List<AuditRecord> graph() {
    List<AuditRecord> g = new ArrayList<>();
    g.add(
        new RunRecord(RUN, T0, null, "h", "{}", null, "sha256-rfc8785-v1", null, null, "running"));
    for (String[] n :
        new String[][] {
          {SOURCE, "csv", "source"}, {TRANSFORM, "passthrough", "transform"}, {SINK, "csv", "sink"}
        }) {
      g.add(new NodeRecord(n[0], RUN, n[1], n[2], "1", "deterministic", "h", "{}", T0, null, null));
    }
    return g;
  }

  static List<AuditRecord> forRow(long i) {
    String rowId = Ids.rowId(RUN, SOURCE, i);
    String token = "tok" + i;
    String hash = Ids.rowId("hash", "", i) + Ids.rowId("hash2", "", i);
    Instant at = T0.plusMillis(i);
    return List.of(
        new RowRecord(rowId, RUN, SOURCE, i, hash, null, at, token),
        new TokenRecord(token, rowId, RUN, null, null, null, null, null, at),
        new NodeStateRecord(
            "s0-" + i,
            token,
            RUN,
            SOURCE,
            0,
            0,
            "completed",
            hash,
            hash,
            null,
            0.0,
            null,
            null,
            at,
            at,
            rowId),
        new NodeStateRecord(
            "s1-" + i,
            token,
            RUN,
            TRANSFORM,
            1,
            0,
            "completed",
            hash,
            hash,
            null,
            0.1,
            null,
            null,
            at,
            at,
            rowId),
        new NodeStateRecord(
            "s2-" + i,
            token,
            RUN,
            SINK,
            2,
            0,
            "completed",
            hash,
            hash,
            null,
            0.1,
            null,
            null,
            at,
            at,
            rowId),
        new TokenOutcomeRecord(
            Ids.terminalOutcomeId(token),
            RUN,
            token,
            "completed",
            1,
            at,
            "out",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            rowId));
  }
}
