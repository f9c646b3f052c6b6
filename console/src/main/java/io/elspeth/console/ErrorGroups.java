package io.elspeth.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's validation and transform errors grouped by reason, largest groups first, at most {@value
 * #MAX_GROUPS} of each. Read through the errors' run index.
 *
 * @param validation groups of source rows that failed validation
 * @param transform groups of rows a transform failed
 */
record ErrorGroups(List<Group> validation, List<Group> transform) {
  static final int MAX_GROUPS = 50;

  /** One group: where, why, where the rows went, how many. */
  record Group(String node, String reason, String destination, long count) {}

  static final String VALIDATION =
      "SELECT node_id, COALESCE(violation_type, 'invalid')"
          + " || COALESCE(': ' || original_field_name, '') || COALESCE(' expected '"
          + " || expected_type, ''), destination, COUNT(*) FROM validation_errors WHERE run_id = ?"
          + " GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2 LIMIT "
          + MAX_GROUPS;

  /** Transform errors by their reason, read from the error details the dialect's way. */
  static String transform(boolean postgres) {
    String reason =
        postgres
            ? "(error_details_json::jsonb ->> 'reason')"
            : "json_extract(error_details_json, '$.reason')";
    return "SELECT transform_id, COALESCE("
        + reason
        + ", 'unspecified'), destination, COUNT(*)"
        + " FROM transform_errors WHERE run_id = ? GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2 LIMIT "
        + MAX_GROUPS;
  }

  static ErrorGroups read(Connection c, String runId) throws SQLException {
    boolean postgres = "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
    return new ErrorGroups(groups(c, VALIDATION, runId), groups(c, transform(postgres), runId));
  }

  private static List<Group> groups(Connection c, String sql, String runId) throws SQLException {
    List<Group> groups = new ArrayList<>();
    try (PreparedStatement ps = LandscapeReads.prepare(c, sql, runId);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        groups.add(new Group(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
      }
    }
    return groups;
  }
}
