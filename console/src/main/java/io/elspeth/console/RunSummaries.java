package io.elspeth.console;

import io.elspeth.audit.ownership.RunLeases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The runs list: one page of runs, newest first, with their rows and outcomes per sink. Each run
 * costs two index range reads ({@code rows} by run id, {@code token_outcomes} by run id), or for a
 * settled run one read of its stored aggregates, once ({@link SettledRuns}), so a page stays fast
 * however many rows the Landscape holds.
 */
final class RunSummaries {
  static final String ROWS_OF_RUN = "SELECT COUNT(*) FROM rows WHERE run_id = ?";
  static final String OUTCOMES_OF_RUN =
      "SELECT COALESCE(sink_name, outcome), COUNT(*)"
          + " FROM token_outcomes WHERE run_id = ? AND is_terminal = 1"
          + " GROUP BY COALESCE(sink_name, outcome) ORDER BY 1";

  private RunSummaries() {}

  /** The page of {@code filter}, and whether a next page exists. */
  record Page(List<RunSummary> runs, boolean hasNext) {}

  static Page read(Connection c, RunFilter filter, long nowMs, SettledRuns settled)
      throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT run_id, status, started_at, completed_at" + " FROM runs WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (filter.status() != null) {
      // interrupted is a running run whose owner is gone: decided per run below.
      boolean running = filter.status().equals("running") || filter.status().equals("interrupted");
      sql.append(" AND status = ?");
      params.add(running ? "running" : filter.status());
    }
    if (filter.from() != null) {
      sql.append(" AND started_at >= ?");
      params.add(bound(filter.from(), c));
    }
    if (filter.to() != null) {
      sql.append(" AND started_at < ?");
      params.add(bound(filter.to().plusDays(1), c));
    }
    sql.append(" ORDER BY started_at DESC, run_id DESC");
    boolean liveness =
        filter.status() != null
            && (filter.status().equals("running") || filter.status().equals("interrupted"));
    if (!liveness) {
      // Running runs are few; the others are paged in SQL.
      sql.append(" LIMIT ")
          .append(RunFilter.PAGE_SIZE + 1)
          .append(" OFFSET ")
          .append((long) filter.page() * RunFilter.PAGE_SIZE);
    }
    List<String[]> picked = new ArrayList<>();
    try (PreparedStatement ps = LandscapeReads.prepare(c, sql.toString(), params.toArray());
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String runId = rs.getString(1);
        String status = RunLeases.displayStatus(c, runId, rs.getString(2), nowMs);
        if (filter.status() == null || filter.status().equals(status)) {
          picked.add(new String[] {runId, status, str(rs.getObject(3)), str(rs.getObject(4))});
        }
      }
    }
    int first = liveness ? filter.page() * RunFilter.PAGE_SIZE : 0;
    boolean hasNext = picked.size() > first + RunFilter.PAGE_SIZE;
    List<RunSummary> runs = new ArrayList<>();
    for (String[] r :
        picked.subList(
            Math.min(first, picked.size()), Math.min(first + RunFilter.PAGE_SIZE, picked.size()))) {
      runs.add(summary(c, r[0], r[1], r[2], r[3], nowMs, settled));
    }
    return new Page(runs, hasNext);
  }

  /** One run's line; {@code null} when there is no such run. */
  static @Nullable RunSummary one(Connection c, String runId, long nowMs, SettledRuns settled)
      throws SQLException {
    try (PreparedStatement ps =
            LandscapeReads.prepare(
                c,
                "SELECT status, started_at," + " completed_at FROM runs WHERE run_id = ?",
                runId);
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      return summary(
          c,
          runId,
          RunLeases.displayStatus(c, runId, rs.getString(1), nowMs),
          str(rs.getObject(2)),
          str(rs.getObject(3)),
          nowMs,
          settled);
    }
  }

  private static RunSummary summary(
      Connection c,
      String runId,
      String status,
      @Nullable String started,
      @Nullable String completed,
      long nowMs,
      SettledRuns settled)
      throws SQLException {
    long rows =
        settled.get(
            c, runId, status, SettledRuns.ROWS, () -> LandscapeReads.count(c, ROWS_OF_RUN, runId));
    var outcomes =
        settled.get(
            c,
            runId,
            status,
            SettledRuns.OUTCOMES,
            () -> LandscapeReads.counts(c, OUTCOMES_OF_RUN, runId));
    Instant start = LandscapeReads.instant(started);
    Instant end =
        completed != null
            ? LandscapeReads.instant(completed)
            : status.equals("running") ? Instant.ofEpochMilli(nowMs) : null;
    return new RunSummary(
        runId,
        status,
        Objects.requireNonNull(
            LandscapeReads.display(started), () -> "run " + runId + " has no started_at"),
        LandscapeReads.display(completed),
        LandscapeReads.duration(start, end),
        rows,
        outcomes);
  }

  /** Midnight UTC of {@code day}, in the form the dialect stores started_at. */
  private static Object bound(LocalDate day, Connection c) throws SQLException {
    boolean postgres = "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
    // SQLite keeps UTC text 'yyyy-MM-dd HH:mm:ss.SSSSSS', which compares in time order.
    return postgres
        ? java.sql.Timestamp.from(day.atStartOfDay().toInstant(ZoneOffset.UTC))
        : day + " 00:00:00";
  }

  private static @Nullable String str(@Nullable Object o) {
    return o == null ? null : o.toString();
  }
}
