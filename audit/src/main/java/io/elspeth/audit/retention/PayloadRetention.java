package io.elspeth.audit.retention;

import io.elspeth.audit.lineage.StoredValues;
import io.elspeth.audit.payload.PayloadStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Retention of the payload store (ELSPETH's {@code PurgeManager}, spec/landscape.md §8.6): finds
 * the payloads that only runs past retention reference, and deletes those blobs. The Landscape
 * itself is never changed: every row, call and hash stays, so the record still proves what the
 * content was; explain then reports the payload as {@code purged}.
 *
 * <p>A run is past retention when its status is {@code completed} or {@code failed} and it
 * completed before the cutoff ({@code as_of - retention_days}). Payloads are deduplicated across
 * runs, so a payload any other run references (running, interrupted and resumable, or completed
 * within retention) is kept. This is stricter than ELSPETH, which lets an old interrupted run's
 * payloads go when a purgeable run shares them.
 *
 * <p>References are collected from the eight places ELSPETH lists: {@code rows.source_data_ref},
 * {@code operations.input_data_ref} and {@code output_data_ref}, {@code calls.request_ref} and
 * {@code response_ref} (of node states and of operations), and {@code routing_events.reason_ref}.
 * Queries bind at most {@value #CHUNK} ids each.
 */
public final class PayloadRetention {
  /** The most ids bound in one IN list. */
  public static final int CHUNK = 500;

  /** One place a payload reference is kept: the run column and the reference column. */
  private record RefSource(String from, String runColumn, String refColumn) {}

  private static final List<RefSource> SOURCES =
      List.of(
          new RefSource("rows", "run_id", "source_data_ref"),
          new RefSource("operations", "run_id", "input_data_ref"),
          new RefSource("operations", "run_id", "output_data_ref"),
          new RefSource(
              "calls k JOIN node_states s ON s.state_id = k.state_id", "s.run_id", "k.request_ref"),
          new RefSource(
              "calls k JOIN node_states s ON s.state_id = k.state_id",
              "s.run_id",
              "k.response_ref"),
          new RefSource(
              "calls k JOIN operations o ON o.operation_id = k.operation_id",
              "o.run_id",
              "k.request_ref"),
          new RefSource(
              "calls k JOIN operations o ON o.operation_id = k.operation_id",
              "o.run_id",
              "k.response_ref"),
          new RefSource(
              "routing_events r JOIN node_states s ON s.state_id = r.state_id",
              "s.run_id",
              "r.reason_ref"));

  private PayloadRetention() {}

  /**
   * What a purge would delete.
   *
   * @param cutoff runs that completed before this instant are past retention
   * @param expiredRuns ids of the runs past retention, sorted
   * @param refs payload references only those runs hold, sorted
   * @param keptShared references of expired runs kept because a retained run holds them too
   */
  public record Plan(Instant cutoff, List<String> expiredRuns, List<String> refs, int keptShared) {
    public Plan {
      expiredRuns = List.copyOf(expiredRuns);
      refs = List.copyOf(refs);
    }
  }

  /**
   * What a purge did.
   *
   * @param deleted blobs deleted
   * @param skipped references with no blob (already purged, or never written)
   * @param failures one message per reference that could not be checked or deleted
   */
  public record Result(int deleted, int skipped, List<String> failures) {
    public Result {
      failures = List.copyOf(failures);
    }
  }

  /**
   * Finds the payload references past retention as of {@code asOf}.
   *
   * @param retentionDays days a completed run's payloads are kept, at least 1
   * @throws SQLException when the Landscape cannot be read
   */
  public static Plan plan(Connection c, int retentionDays, Instant asOf) throws SQLException {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retention days must be at least 1, got " + retentionDays);
    }
    Instant cutoff = asOf.minus(Duration.ofDays(retentionDays));
    Set<String> expired = new TreeSet<>();
    try (PreparedStatement ps =
            c.prepareStatement("SELECT run_id, status, completed_at FROM runs");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String runId = rs.getString(1);
        String status = rs.getString(2);
        String completed = StoredValues.time(rs.getObject(3), "runs", runId, "completed_at");
        if (("completed".equals(status) || "failed".equals(status))
            && completed != null
            && Instant.parse(completed).isBefore(cutoff)) {
          expired.add(runId);
        }
      }
    }
    Set<String> candidates = new TreeSet<>();
    for (RefSource s : SOURCES) {
      inChunks(
          c,
          "SELECT DISTINCT "
              + s.refColumn()
              + " FROM "
              + s.from()
              + " WHERE "
              + s.runColumn()
              + " IN (%s) AND "
              + s.refColumn()
              + " IS NOT NULL",
          expired,
          rs -> candidates.add(rs.getString(1)));
    }
    Set<String> shared = new HashSet<>();
    for (RefSource s : SOURCES) {
      inChunks(
          c,
          "SELECT DISTINCT "
              + s.runColumn()
              + ", "
              + s.refColumn()
              + " FROM "
              + s.from()
              + " WHERE "
              + s.refColumn()
              + " IN (%s)",
          candidates,
          rs -> {
            if (!expired.contains(rs.getString(1))) {
              shared.add(rs.getString(2));
            }
          });
    }
    List<String> refs = new ArrayList<>(candidates);
    refs.removeAll(shared);
    return new Plan(cutoff, new ArrayList<>(expired), refs, shared.size());
  }

  /**
   * Deletes the blobs of {@code refs} from {@code store}: each is checked with {@code exists} and
   * then deleted. A failure is counted and the purge goes on.
   */
  public static Result purge(PayloadStore store, Collection<String> refs) {
    int deleted = 0;
    int skipped = 0;
    List<String> failures = new ArrayList<>();
    for (String ref : refs) {
      try {
        if (store.exists(ref) && store.delete(ref)) {
          deleted++;
        } else {
          skipped++;
        }
      } catch (RuntimeException e) {
        failures.add(ref + ": " + e.getMessage());
      }
    }
    return new Result(deleted, skipped, failures);
  }

  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private static void inChunks(
      Connection c, String sqlTemplate, Collection<String> ids, RowReader reader)
      throws SQLException {
    List<String> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<String> chunk = all.subList(from, Math.min(from + CHUNK, all.size()));
      String in = String.join(", ", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement(String.format(sqlTemplate, in))) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            reader.read(rs);
          }
        }
      }
    }
  }
}
