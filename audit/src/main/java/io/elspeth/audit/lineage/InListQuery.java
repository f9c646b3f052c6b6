package io.elspeth.audit.lineage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A query over many ids run as few statements as the database allows: the ids go into IN lists of
 * at most {@value #CHUNK} bound parameters each, duplicates removed.
 */
final class InListQuery {
  /** The most ids bound in one IN list. */
  static final int CHUNK = 500;

  private InListQuery() {}

  /** Reads one result row; may throw {@link AuditIntegrityException}. */
  @FunctionalInterface
  interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  /**
   * Runs {@code sqlTemplate} (whose {@code %s} is the IN list) once per chunk of at most {@value
   * #CHUNK} distinct ids, binding {@code leading} first.
   */
  static void inChunks(
      Connection c,
      String sqlTemplate,
      List<String> leading,
      Collection<String> ids,
      RowReader reader)
      throws SQLException {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(ids));
    for (int from = 0; from < distinct.size(); from += CHUNK) {
      List<String> chunk = distinct.subList(from, Math.min(from + CHUNK, distinct.size()));
      String in = String.join(", ", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement(String.format(sqlTemplate, in))) {
        int i = 1;
        for (String p : leading) {
          ps.setString(i++, p);
        }
        for (String id : chunk) {
          ps.setString(i++, id);
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
