package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.canonical.CanonicalJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

/** Checks every completed run must satisfy, in the database itself. */
final class LandscapeInvariants {
  private LandscapeInvariants() {}

  static void assertReconciles(Connection c) throws Exception {
    assertThat(
        "one run, completed",
        CliHarness.count(c, "SELECT COUNT(*) FROM runs WHERE status = 'completed'"),
        is(1L));
    assertThat(
        "every row has a token",
        CliHarness.count(
            c,
            "SELECT COUNT(*) FROM rows r WHERE NOT"
                + " EXISTS (SELECT 1 FROM tokens t WHERE t.row_id = r.row_id)"),
        is(0L));
    assertThat(
        "every token has exactly one terminal outcome",
        CliHarness.count(
            c,
            "SELECT COUNT(*) FROM tokens t WHERE (SELECT COUNT(*) FROM token_outcomes o WHERE"
                + " o.token_id = t.token_id AND o.is_terminal = 1) <> 1"),
        is(0L));
    assertThat(
        "no node state is left open",
        CliHarness.count(c, "SELECT COUNT(*) FROM node_states WHERE status = 'open'"),
        is(0L));
    assertThat(
        "every call has exactly one parent",
        CliHarness.count(
            c, "SELECT COUNT(*) FROM calls" + " WHERE (state_id IS NULL) = (operation_id IS NULL)"),
        is(0L));
    // Artifacts: the recorded hash and size are those of the file on disk (blobs and tables,
    // addressed by URI, are checked by their own tests).
    for (Map<String, Object> a :
        CliHarness.query(
            c,
            "SELECT path_or_uri, content_hash,"
                + " size_bytes FROM artifacts WHERE artifact_type = 'file' AND path_or_uri NOT LIKE"
                + " '%://%'")) {
      Path file = Path.of(a.get("path_or_uri").toString());
      byte[] bytes = Files.readAllBytes(file);
      assertThat(
          "artifact hash of " + file,
          CanonicalJson.sha256Hex(bytes),
          equalTo(a.get("content_hash")));
      assertThat(
          "artifact size of " + file,
          ((Number) a.get("size_bytes")).longValue(),
          equalTo((long) bytes.length));
    }
  }

  /** Outcome counts per sink, e.g. {"completed@normal": 3}. */
  static Map<String, Long> outcomes(Connection c) throws Exception {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Map<String, Object> r :
        CliHarness.query(
            c,
            "SELECT outcome, sink_name, COUNT(*) AS n"
                + " FROM token_outcomes WHERE is_terminal = 1 GROUP BY outcome, sink_name")) {
      out.put(
          r.get("outcome") + (r.get("sink_name") == null ? "" : "@" + r.get("sink_name")),
          ((Number) r.get("n")).longValue());
    }
    return out;
  }

  /** The source hash of every row recomputes from the typed rows that reached the sinks. */
  static void assertSourceHashes(Connection c, List<Map<String, Object>> typedRowsInOrder)
      throws Exception {
    List<Map<String, Object>> rows =
        CliHarness.query(c, "SELECT source_data_hash FROM rows ORDER BY row_index");
    assertThat(rows.size(), is(typedRowsInOrder.size()));
    for (int i = 0; i < rows.size(); i++) {
      assertThat(
          "hash of row " + i,
          rows.get(i).get("source_data_hash"),
          equalTo(CanonicalJson.stableHash(typedRowsInOrder.get(i))));
    }
  }
}
