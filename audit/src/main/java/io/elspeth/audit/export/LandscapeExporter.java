package io.elspeth.audit.export;

import io.elspeth.audit.lineage.AuditIntegrityException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one run of the Landscape as flat export records, each a map whose first key is {@code
 * record_type}, in ELSPETH's deterministic order (spec/landscape.md §7.1):
 *
 * <ol>
 *   <li>{@code run}
 *   <li>{@code secret_resolution} records
 *   <li>{@code node} records, then {@code edge} records
 *   <li>each {@code operation} (by started_at) followed by its {@code call}s (by call_index)
 *   <li>each {@code row} (by row_index), then for each of its tokens (by created_at, token_id): the
 *       {@code token}, its {@code token_parent}s, its {@code token_outcome}s and its {@code
 *       node_state}s (by step_index, attempt), each state followed by its {@code routing_event}s
 *       and its {@code call}s
 *   <li>each {@code batch} followed by its {@code batch_member}s
 *   <li>{@code artifact} records
 * </ol>
 *
 * <p>Every column of a table is exported under its column name, with two normalisations that make
 * an export of SQLite and of PostgreSQL alike: columns ending in {@code _at} become ISO-8601 UTC
 * text with microseconds, and columns ending in {@code _json} are parsed and exported without the
 * suffix ({@code settings_json} becomes {@code settings}). Integers are exported as integers and
 * reals as numbers. Like ELSPETH, validation and transform errors, checkpoints and preflight
 * results are not exported.
 *
 * <p>{@link #records} reads a run a window of rows at a time ({@link ExportRecords}), so an export
 * of any size streams in bounded memory; {@link #exportRun} collects it for small runs and tests.
 * The caller owns the connection.
 */
public final class LandscapeExporter {
  private LandscapeExporter() {}

  /**
   * The records of {@code runId} in export order, read lazily while the caller keeps {@code c}
   * open; none when the run does not exist.
   *
   * @throws ExportRecords.ExportReadException (while iterating) when the database cannot be read
   * @throws AuditIntegrityException (while iterating) when a stored timestamp or JSON column is not
   *     readable
   */
  public static ExportRecords records(Connection c, String runId) {
    return ExportRecords.of(c, runId);
  }

  /**
   * The records of {@code runId} in export order, all in memory; empty when the run does not exist.
   * For small runs: a large one is read with {@link #records}.
   *
   * @throws SQLException when the database cannot be read
   * @throws AuditIntegrityException when a stored timestamp or JSON column is not readable
   */
  public static List<Map<String, Object>> exportRun(Connection c, String runId)
      throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try {
      records(c, runId).forEachRemaining(out::add);
    } catch (ExportRecords.ExportReadException e) {
      throw e.getCause();
    }
    return out;
  }
}
