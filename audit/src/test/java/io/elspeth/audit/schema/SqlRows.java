package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC for the schema tests: run a statement, read a result as rows of strings. */
final class SqlRows {
  private SqlRows() {}

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  static List<List<String>> query(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      return rows(s.executeQuery(sql));
    }
  }

  /** Every row of {@code rs} (closed afterwards), each column read as a string. */
  static List<List<String>> rows(ResultSet rs) throws SQLException {
    try (rs) {
      List<List<String>> result = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getString(i));
        }
        result.add(row);
      }
      return result;
    }
  }
}
