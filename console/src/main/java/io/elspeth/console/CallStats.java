package io.elspeth.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * External calls of one step of a run: count, failures by kind (the {@code type} of the call's
 * error record), latency percentiles. Calls made while processing rows hang off node states, the
 * source's and sinks' off operations; both are read through the node's index.
 *
 * @param callType e.g. {@code llm}, {@code http}
 * @param failuresByKind failed calls by error type
 * @param p50 median latency in ms (null when no call recorded one), likewise p95 and p99
 */
record CallStats(
    String nodeId,
    String callType,
    long calls,
    Map<String, Long> failuresByKind,
    @Nullable Double p50,
    @Nullable Double p95,
    @Nullable Double p99,
    @Nullable Double max) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "SELECT c.call_type, c.status, c.latency_ms," + " c.error_json FROM ";

  /** Calls made while processing rows, and calls of the source's and sinks' operations. */
  static final List<String> CALLS_OF_NODE =
      List.of(
          COLUMNS
              + "node_states s JOIN calls c ON c.state_id = s.state_id"
              + " WHERE s.node_id = ? AND s.run_id = ?",
          COLUMNS
              + "operations o JOIN calls c ON c.operation_id = o.operation_id"
              + " WHERE o.node_id = ? AND o.run_id = ?");

  /** The calls of {@code nodeId} in {@code runId}, one entry per call type. */
  static Map<String, CallStats> read(Connection c, String runId, String nodeId)
      throws SQLException {
    Map<String, Accumulator> byType = new TreeMap<>();
    for (String sql : CALLS_OF_NODE) {
      try (PreparedStatement ps = LandscapeReads.prepare(c, sql, nodeId, runId);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Accumulator a = byType.computeIfAbsent(rs.getString(1), k -> new Accumulator());
          double latency = rs.getDouble(3);
          a.add(rs.wasNull() ? null : latency, rs.getString(2), rs.getString(4));
        }
      }
    }
    Map<String, CallStats> stats = new LinkedHashMap<>();
    byType.forEach((type, a) -> stats.put(type, a.stats(nodeId, type)));
    return stats;
  }

  /** Latencies and failures of one call type, gathered while the rows stream past. */
  private static final class Accumulator {
    private double[] latencies = new double[64];
    private int n;
    private long calls;
    private final Map<String, Long> failures = new TreeMap<>();

    void add(@Nullable Double latency, String status, @Nullable String errorJson) {
      calls++;
      if (latency != null) {
        if (n == latencies.length) {
          latencies = Arrays.copyOf(latencies, n * 2);
        }
        latencies[n++] = latency;
      }
      if (!"success".equals(status)) {
        failures.merge(kind(status, errorJson), 1L, Long::sum);
      }
    }

    CallStats stats(String nodeId, String type) {
      double[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      return new CallStats(
          nodeId,
          type,
          calls,
          failures,
          percentile(sorted, 50),
          percentile(sorted, 95),
          percentile(sorted, 99),
          n == 0 ? null : sorted[n - 1]);
    }

    private static String kind(String status, @Nullable String errorJson) {
      if (errorJson != null) {
        try {
          JsonNode type = JSON.readTree(errorJson).get("type");
          if (type != null && type.isTextual()) {
            return type.asText();
          }
        } catch (java.io.IOException e) {
          return status;
        }
      }
      return status;
    }

    /** Nearest-rank percentile. */
    private static @Nullable Double percentile(double[] sorted, int p) {
      if (sorted.length == 0) {
        return null;
      }
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }
  }
}
