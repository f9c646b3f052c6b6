package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.StoredValues.requiredTime;
import static io.elspeth.audit.lineage.StoredValues.time;

import io.elspeth.audit.lineage.RowLineage.BatchLineage;
import io.elspeth.audit.lineage.RowLineage.Run;
import io.elspeth.audit.lineage.RowLineage.SourceRow;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.ValidationError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The query side of {@code elspeth explain}: reads the full lineage of one source row from the
 * Landscape over a plain JDBC connection (SQLite or PostgreSQL).
 *
 * <p>The reads are batched per table: one query each for the run, the row, its validation errors
 * and its tokens, then one query per table (token_parents, node_states, routing_events, calls,
 * transform_errors, token_outcomes, artifacts) with the ids in IN lists of at most {@value #CHUNK}
 * entries. Nothing is written; the caller owns and closes the connection.
 *
 * <p>Integrity is checked while reading, and a contradiction throws {@link
 * AuditIntegrityException}: a token of the row that belongs to another run, a token with more than
 * one terminal outcome, a parent token that does not exist (or belongs to another run), a token
 * with more than one (or an empty) group id, a group id without parents or parents without a group
 * id, a node state of another run, and stored JSON that does not parse.
 */
public final class LineageQuery {
  /** The most ids bound in one IN list. */
  public static final int CHUNK = InListQuery.CHUNK;

  /** The run id argument that stands for the newest run. */
  public static final String LATEST = "latest";

  private static final Pattern ROW_INDEX = Pattern.compile("\\d{1,18}");

  private LineageQuery() {}

  /**
   * Resolves {@code "latest"} to the newest run id (by started_at, ties broken by run_id), else
   * returns the run id if that run exists; empty if there is none.
   *
   * @param c an open connection to the Landscape
   * @param runIdOrLatest a run id, or {@value #LATEST}
   * @return the run id, or empty when there is no such run (or no run at all)
   * @throws SQLException when the database cannot be read
   */
  public static Optional<String> resolveRun(Connection c, String runIdOrLatest)
      throws SQLException {
    String wanted = runIdOrLatest.trim();
    if (wanted.equals(LATEST)) {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT run_id FROM runs WHERE run_id = ?")) {
      ps.setString(1, wanted);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * Full lineage of one source row of {@code runId}. The row is given as its row_id or as a decimal
   * row_index (a row_id of the run is tried first). Empty when the run does not exist or has no
   * such row.
   *
   * @param c an open connection to the Landscape
   * @param runId the run (resolve {@value #LATEST} first with {@link #resolveRun})
   * @param rowIdOrIndex a row_id of the run, or a decimal row_index
   * @return the row's lineage, or empty when the run or the row does not exist
   * @throws SQLException when the database cannot be read
   * @throws AuditIntegrityException when the stored lineage contradicts itself
   */
  public static Optional<RowLineage> explainRow(Connection c, String runId, String rowIdOrIndex)
      throws SQLException {
    Optional<Run> run = readRun(c, runId);
    if (run.isEmpty()) {
      return Optional.empty();
    }
    Optional<SourceRow> row = findRow(c, runId, rowIdOrIndex.trim());
    if (row.isEmpty()) {
      return Optional.empty();
    }
    SourceRow sourceRow = row.get();
    List<ValidationError> validationErrors = readValidationErrors(c, runId, sourceRow);
    List<TokenLineage> tokens = TokenTreeReader.readTokenTree(c, runId, sourceRow.rowId());
    List<BatchLineage> batches = BatchLineageReader.readBatches(c, runId, tokens);
    return Optional.of(new RowLineage(run.get(), sourceRow, validationErrors, tokens, batches));
  }

  /**
   * The row a token of {@code runId} belongs to, for explaining a row by one of its tokens.
   *
   * @return the row id, or empty when the run has no such token
   * @throws SQLException when the database cannot be read
   */
  public static Optional<String> rowOfToken(Connection c, String runId, String tokenId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT row_id FROM tokens WHERE token_id = ? AND run_id = ?")) {
      ps.setString(1, tokenId);
      ps.setString(2, runId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  // ---------------------------------------------------------------- run, row, validation errors

  private static Optional<Run> readRun(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT run_id, status, started_at,"
                + " completed_at, config_hash FROM runs WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Run(
                rs.getString(1),
                rs.getString(2),
                requiredTime(rs.getObject(3), "runs", runId, "started_at"),
                time(rs.getObject(4), "runs", runId, "completed_at"),
                rs.getString(5)));
      }
    }
  }

  private static Optional<SourceRow> findRow(Connection c, String runId, String rowIdOrIndex)
      throws SQLException {
    String select =
        "SELECT r.row_id, r.row_index, r.source_node_id, n.plugin_name,"
            + " r.source_data_hash, r.source_data_ref, r.created_at FROM rows r"
            + " LEFT JOIN nodes n ON n.node_id = r.source_node_id AND n.run_id = r.run_id"
            + " WHERE r.run_id = ? AND ";
    try (PreparedStatement ps = c.prepareStatement(select + "r.row_id = ?")) {
      ps.setString(1, runId);
      ps.setString(2, rowIdOrIndex);
      Optional<SourceRow> byId = readRow(ps);
      if (byId.isPresent() || !ROW_INDEX.matcher(rowIdOrIndex).matches()) {
        return byId;
      }
    }
    try (PreparedStatement ps = c.prepareStatement(select + "r.row_index = ?")) {
      ps.setString(1, runId);
      ps.setLong(2, Long.parseLong(rowIdOrIndex));
      return readRow(ps);
    }
  }

  private static Optional<SourceRow> readRow(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      String rowId = rs.getString(1);
      return Optional.of(
          new SourceRow(
              rowId,
              rs.getLong(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              rs.getString(6),
              requiredTime(rs.getObject(7), "rows", rowId, "created_at")));
    }
  }

  private static List<ValidationError> readValidationErrors(
      Connection c, String runId, SourceRow row) throws SQLException {
    List<ValidationError> errors = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT error_id, node_id, row_hash, error,"
                + " schema_mode, destination, violation_type, original_field_name,"
                + " normalized_field_name, expected_type, actual_type, created_at"
                + " FROM validation_errors WHERE run_id = ? AND row_hash = ?")) {
      ps.setString(1, runId);
      ps.setString(2, row.sourceDataHash());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          errors.add(
              new ValidationError(
                  id,
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getString(10),
                  rs.getString(11),
                  requiredTime(rs.getObject(12), "validation_errors", id, "created_at")));
        }
      }
    }
    errors.sort(
        Comparator.comparing(ValidationError::createdAt).thenComparing(ValidationError::errorId));
    return errors;
  }
}
