package io.elspeth.audit.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the query planner's statistics of the tables rows flow into, before the queries that
 * read a whole run back (reconciliation, a resume point).
 *
 * <p>Why: a run bulk-loads these tables in minutes, and autovacuum (when it is on at all) analyzes
 * them long after. Without statistics PostgreSQL guesses that a run id selects 0.5 % of a table and
 * plans the integrity checks' anti-joins as nested loops over sequential scans: 59 s for a
 * 20,000-row run, hours for 200,000 rows. With them it hashes: linear. PostgreSQL's ANALYZE reads a
 * fixed-size sample (3,000 rows a table here), so its cost barely grows with the run. On SQLite the
 * checks are planned on the indexes whatever the statistics say, and its ANALYZE reads whole
 * tables, so nothing is done there.
 */
public final class PlannerStatistics {
  private static final Logger LOG = LoggerFactory.getLogger(PlannerStatistics.class);

  /** The tables a run writes while rows move; the run-level ones stay small. */
  private static final List<String> ROW_TABLES =
      List.of(
          "rows",
          "tokens",
          "token_parents",
          "token_outcomes",
          "node_states",
          "operations",
          "calls",
          "artifacts",
          "routing_events",
          "batches",
          "batch_members",
          "batch_outputs",
          "validation_errors",
          "transform_errors");

  /** ANALYZE samples 300 rows per unit of target. */
  private static final int STATISTICS_TARGET = 10;

  private PlannerStatistics() {}

  /**
   * Analyzes the row tables on PostgreSQL (a user that does not own them gets a warning from the
   * server, not an error, and the old statistics); does nothing on SQLite.
   */
  public static void refresh(Connection c) throws SQLException {
    if (!"PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
      return;
    }
    long start = System.nanoTime();
    try (Statement s = c.createStatement()) {
      // A sample of 3,000 rows a table rather than 30,000: the checks need the tables' sizes and
      // the run id's share, not fine histograms (0.09 s instead of 0.9 s at 100,000 rows).
      s.execute("SET default_statistics_target = " + STATISTICS_TARGET);
      try {
        s.execute("ANALYZE " + String.join(", ", ROW_TABLES));
      } finally {
        // The connection goes back to a pool: leave it as it was.
        s.execute("RESET default_statistics_target");
      }
    }
    LOG.debug(
        "landscape statistics refreshed tables={} ms={}",
        ROW_TABLES.size(),
        (System.nanoTime() - start) / 1_000_000);
  }
}
