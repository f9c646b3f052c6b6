package io.elspeth.audit.export;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.store.LandscapeStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A small run as our pipelines write it: csv source -> gate 'big' -> sinks normal / high, one
 * source_load operation with a call, and one row per payload reference given (row i is routed to
 * high when i is odd).
 */
public final class ExportFixture {
  public static final Instant T0 = Instant.parse("2026-01-31T12:00:00.123456Z");

  private ExportFixture() {}

  /** Node ids of a run (node ids are per run in the Landscape). */
  public static String node(String runId, String name) {
    return name + "_" + runId;
  }

  /**
   * Commits a run whose rows reference {@code rowRefs} (a null entry: the row has no payload).
   *
   * @param completedAt null for a running run
   */
  public static void commitRun(
      LandscapeStore store,
      String runId,
      String status,
      Instant startedAt,
      @Nullable Instant completedAt,
      List<@Nullable String> rowRefs,
      @Nullable String callResponseRef) {
    String source = node(runId, "source_csv");
    String gate = node(runId, "config_gate_big");
    String normal = node(runId, "sink_normal");
    String high = node(runId, "sink_high");
    List<AuditRecord> r = new ArrayList<>();
    r.add(
        new RunRecord(
            runId,
            startedAt,
            completedAt,
            CanonicalJson.sha256Hex(runId),
            "{\"source\":{\"plugin\":\"csv\"}}",
            null,
            CanonicalJson.CANONICAL_VERSION,
            null,
            null,
            status));
    r.add(
        new NodeRecord(
            source,
            runId,
            "csv",
            "source",
            "1.0.0",
            "io_read",
            hash(source),
            "{\"path\":\"in.csv\"}",
            startedAt,
            "fixed",
            null));
    r.add(
        new NodeRecord(
            gate,
            runId,
            "config_gate",
            "gate",
            "engine:0.1.0",
            "deterministic",
            hash(gate),
            "{\"condition\":\"row['amount'] > 100\"}",
            startedAt,
            "dynamic",
            null));
    r.add(
        new NodeRecord(
            normal,
            runId,
            "csv",
            "sink",
            "1.0.0",
            "io_write",
            hash(normal),
            "{}",
            startedAt,
            "dynamic",
            null));
    r.add(
        new NodeRecord(
            high,
            runId,
            "json",
            "sink",
            "1.0.0",
            "io_write",
            hash(high),
            "{}",
            startedAt,
            "dynamic",
            null));
    r.add(new EdgeRecord("e1-" + runId, runId, source, gate, "continue", "move", startedAt));
    r.add(new EdgeRecord("e2-" + runId, runId, gate, normal, "continue", "move", startedAt));
    r.add(new EdgeRecord("e3-" + runId, runId, gate, high, "true", "move", startedAt));
    String op = "op-" + runId;
    r.add(
        new OperationRecord(
            op,
            runId,
            source,
            "source_load",
            startedAt,
            startedAt.plusMillis(5),
            "completed",
            null,
            hash("in"),
            null,
            hash("out"),
            null,
            5.0));
    r.add(
        new CallRecord(
            "call-op-" + runId,
            null,
            op,
            0,
            "filesystem",
            "success",
            hash("req"),
            null,
            hash("resp"),
            callResponseRef,
            null,
            1.5,
            startedAt));
    for (int i = 0; i < rowRefs.size(); i++) {
      Instant at = startedAt.plusMillis(10 + i);
      String rowId = "row" + i + "-" + runId;
      String token = "tok" + i + "-" + runId;
      String data = hash("data" + i);
      r.add(new RowRecord(rowId, runId, source, i, data, rowRefs.get(i), at));
      r.add(new TokenRecord(token, rowId, runId, null, null, null, null, null, at));
      r.add(
          new NodeStateRecord(
              "s0-" + token,
              token,
              runId,
              source,
              0,
              0,
              "completed",
              data,
              data,
              null,
              0.0,
              null,
              null,
              at,
              at));
      boolean big = i % 2 == 1;
      r.add(
          new NodeStateRecord(
              "s1-" + token,
              token,
              runId,
              gate,
              1,
              0,
              "completed",
              data,
              data,
              "{\"condition\":\"row['amount'] > 100\",\"result\":"
                  + big
                  + ",\"route_label\":\""
                  + big
                  + "\"}",
              0.25,
              null,
              null,
              at,
              at));
      if (big) {
        r.add(
            new RoutingEventRecord(
                "re-" + token,
                "s1-" + token,
                "e3-" + runId,
                "grp-" + token,
                0,
                "move",
                hash("reason"),
                null,
                at));
      }
      String sink = big ? high : normal;
      r.add(
          new NodeStateRecord(
              "s2-" + token,
              token,
              runId,
              sink,
              2,
              0,
              "completed",
              data,
              hash("sink" + i),
              null,
              1.0,
              null,
              null,
              at,
              at));
      r.add(
          new TokenOutcomeRecord(
              "out-" + token,
              runId,
              token,
              big ? "routed" : "completed",
              1,
              at,
              big ? "high" : "normal",
              null,
              null,
              null,
              null,
              null,
              null,
              null));
    }
    r.add(
        new ArtifactRecord(
            "art-" + runId,
            runId,
            "s2-tok0-" + runId,
            normal,
            "file",
            "/out/normal.csv",
            hash("file"),
            42L,
            null,
            startedAt.plusMillis(100)));
    store.commit(r);
  }

  private static String hash(String label) {
    return CanonicalJson.stableHash(Map.of("label", label));
  }
}
