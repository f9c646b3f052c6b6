package io.elspeth.console;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the pages compute from a whole run (its counts per sink and per DAG node, its calls per
 * step, its error groups), kept in memory for runs that can no longer change: those the
 * Landscape records as {@code completed} or {@code failed} (a resume continues under a new run
 * id). Each of those reads is an index range read of the run, linear in its size: a second or
 * more per page for a million-row run. Kept, a settled run costs that once, and every later view
 * a lookup; a running run is always read afresh. The least recently viewed runs are dropped
 * beyond {@value #MAX_RUNS}.
 */
final class SettledRuns {
  static final int MAX_RUNS = 64;

  /** A read of the Landscape. */
  @FunctionalInterface
  interface Read<T> {
    T read() throws SQLException;
  }

  private final Map<String, Map<String, Object>> byRun =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
          return size() > MAX_RUNS;
        }
      };

  /** True when the Landscape records {@code status} as final for a run. */
  static boolean isSettled(String status) {
    return status.equals("completed") || status.equals("failed");
  }

  /**
   * {@code what} of {@code runId}: kept when the run is settled ({@code status} is the run's
   * status in the Landscape), read afresh otherwise.
   */
  <T> T get(String runId, String status, String what, Read<T> read) throws SQLException {
    if (!isSettled(status)) {
      return read.read();
    }
    synchronized (byRun) {
      Map<String, Object> kept = byRun.get(runId);
      if (kept != null && kept.containsKey(what)) {
        @SuppressWarnings("unchecked")
        T value = (T) kept.get(what);
        return value;
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
