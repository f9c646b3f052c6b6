package io.elspeth.connectors.sink;

import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.token.Token;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the Landscape holds of a sink's tokens, asked in chunks of at most {@value #CHUNK} tokens:
 * which are recorded, which have a terminal outcome, a token's state at the sink, whether the sink
 * has its artifact.
 */
final class LandscapeTokens {
  /** Tokens per query. */
  static final int CHUNK = 500;

  private LandscapeTokens() {}

  /** A query on a connection of its own, closed before anything is committed. */
  static <T> T read(LandscapeStore store, LandscapeStore.TransactionWork<T> query) {
    try (Connection c = store.connection()) {
      return query.apply(c);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the Landscape " + store.url() + ": " + e.getMessage(), e);
    }
  }

  static boolean hasArtifact(Connection c, SinkPublication p) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM artifacts WHERE run_id = ? AND sink_node_id = ?")) {
      ps.setString(1, p.runId());
      ps.setString(2, p.nodeId());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static @Nullable String stateOf(Connection c, String tokenId, String nodeId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT state_id FROM node_states WHERE"
                + " token_id = ? AND node_id = ? ORDER BY attempt DESC")) {
      ps.setString(1, tokenId);
      ps.setString(2, nodeId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  static Set<String> terminal(Connection c, List<Token> chunk) throws SQLException {
    return tokenIds(c, "SELECT token_id FROM token_outcomes WHERE is_terminal = 1 AND", chunk);
  }

  static Set<String> recordedTokens(Connection c, List<Token> chunk) throws SQLException {
    return tokenIds(c, "SELECT token_id FROM tokens WHERE", chunk);
  }

  /** The ids of {@code chunk}'s tokens that {@code select} (ending in WHERE or AND) finds. */
  private static Set<String> tokenIds(Connection c, String select, List<Token> chunk)
      throws SQLException {
    Set<String> done = new HashSet<>();
    String marks = String.join(", ", chunk.stream().map(t -> "?").toList());
    try (PreparedStatement ps = c.prepareStatement(select + " token_id IN (" + marks + ")")) {
      int i = 1;
      for (Token t : chunk) {
        ps.setString(i++, t.tokenId());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          done.add(rs.getString(1));
        }
      }
    }
    return done;
  }
}
