package io.elspeth.console;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the pages compute from a whole run (its counts per sink and per DAG node, its calls per
 * step, its error groups, its reconciliation), kept in memory for runs that can no longer change:
 * those the Landscape records as {@code completed} or {@code failed} (a resume continues under a
 * new run id). A settled run's first view takes them from the aggregates the launcher stored when
 * the run ended ({@link RunAggregates}, one row by key); a run without them (written before schema
 * version 4, or whose aggregates could not be recorded) is read from its records: each of those
 * reads is an index range read of the run, linear in its size, seconds for a million-row run, paid
 * once. A running run is always read afresh. The least recently viewed runs are dropped beyond
 * {@value #MAX_RUNS}.
 */
final class SettledRuns {
  static final int MAX_RUNS = 64;
  static final String ROWS = "rows";
  static final String OUTCOMES = "outcomes";
  static final String DAG = "dag";
  static final String ERRORS = "errors";
  static final String RECONCILIATION = "reconciliation";

  /** Marks a run whose stored aggregates were looked up (found or not): looked up once. */
  private static final String LOOKED_UP = " looked up";

  /** A read of the Landscape. */
  @FunctionalInterface
  interface Read<T> {
    T read() throws SQLException;
  }

  /** The stored aggregates of a run as entries of this cache; empty when none are stored. */
  @FunctionalInterface
  interface Stored {
    Optional<Map<String, Object>> entries(Connection c, String runId) throws SQLException;
  }

  private final Stored stored;
  private final Map<String, Map<String, Object>> byRun =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
          return size() > MAX_RUNS;
        }
      };

  /** Settled runs whose first view reads the aggregates stored in the Landscape. */
  SettledRuns() {
    this((c, runId) -> RunAggregates.stored(c, runId).map(RunAggregates::entries));
  }

  SettledRuns(Stored stored) {
    this.stored = stored;
  }

  /** The key of a step's call statistics. */
  static String calls(String nodeId) {
    return "calls " + nodeId;
  }

  /** The key of a step's LLM usage. */
  static String llm(String nodeId) {
    return "llm " + nodeId;
  }

  /** True when the Landscape records {@code status} as final for a run. */
  static boolean isSettled(String status) {
    return status.equals("completed") || status.equals("failed");
  }

  /**
   * {@code what} of {@code runId}: kept when the run is settled ({@code status} is the run's status
   * in the Landscape), taken from its stored aggregates on {@code c} when it has them, read afresh
   * otherwise.
   */
  <T> T get(Connection c, String runId, String status, String what, Read<T> read)
      throws SQLException {
    if (!isSettled(status)) {
      return read.read();
    }
    boolean lookUp;
    synchronized (byRun) {
      Map<String, Object> kept = byRun.get(runId);
      if (kept != null && kept.containsKey(what)) {
        @SuppressWarnings("unchecked")
        T value = (T) kept.get(what);
        return value;
      }
      lookUp = kept == null || !kept.containsKey(LOOKED_UP);
    }
    if (lookUp) {
      Optional<Map<String, Object>> entries = stored.entries(c, runId);
      synchronized (byRun) {
        Map<String, Object> kept = byRun.computeIfAbsent(runId, k -> new LinkedHashMap<>());
        kept.put(LOOKED_UP, true);
        entries.ifPresent(kept::putAll);
        if (kept.containsKey(what)) {
          @SuppressWarnings("unchecked")
          T value = (T) kept.get(what);
          return value;
        }
      }
    }
    // Read outside the lock: two first views of one run may both read it, and keep the same.
    T value = read.read();
    synchronized (byRun) {
      byRun.computeIfAbsent(runId, k -> new LinkedHashMap<>()).put(what, value);
    }
    return value;
  }
}
