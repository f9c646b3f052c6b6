package io.elspeth.audit.export;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export read a window of rows at a time gives the records in the documented order, the same
 * whatever the window's size, and only the records of the run asked for.
 */
class ExportRecordsTest {
  @TempDir Path dir;

  private static List<Map<String, Object>> read(Connection c, String runId, int window) {
    List<Map<String, Object>> out = new ArrayList<>();
    new ExportRecords(c, runId, window).forEachRemaining(out::add);
    return out;
  }

  @Test
  void everyWindowSizeGivesTheSameRecordsInExportOrder() throws Exception {
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")))) {
      ExportFixture.commitRun(
          store,
          "run-a",
          "completed",
          ExportFixture.T0,
          ExportFixture.T0.plusSeconds(2),
          Collections.nCopies(7, null),
          null);
      // A second run in the same Landscape, whose row indexes are the same.
      ExportFixture.commitRun(
          store,
          "run-b",
          "completed",
          ExportFixture.T0.plusSeconds(5),
          ExportFixture.T0.plusSeconds(6),
          Collections.nCopies(3, null),
          null);
      try (Connection c = store.connection()) {
        List<Map<String, Object>> whole = read(c, "run-a", ExportRecords.ROWS_PER_WINDOW);
        for (int window : new int[] {1, 2, 3, 6, 7, 8}) {
          assertThat("window " + window, read(c, "run-a", window), is(whole));
        }
        assertThat(LandscapeExporter.exportRun(c, "run-a"), is(whole));
        assertThat(
            whole.stream()
                .filter(r -> !"run-a".equals(r.get("run_id")) && r.containsKey("run_id"))
                .toList(),
            is(List.of()));
        List<String> types = whole.stream().map(r -> (String) r.get("record_type")).toList();
        // run, 4 nodes, 3 edges, the operation and its call, then row 0 (normal) and row 1
        // (high, with its routing event after the gate's state).
        assertThat(
            types.subList(0, 24),
            contains(
                "run",
                "node",
                "node",
                "node",
                "node",
                "edge",
                "edge",
                "edge",
                "operation",
                "call",
                "row",
                "token",
                "token_outcome",
                "node_state",
                "node_state",
                "node_state",
                "row",
                "token",
                "token_outcome",
                "node_state",
                "node_state",
                "routing_event",
                "node_state",
                "row"));
        assertThat(types.get(types.size() - 1), is("artifact"));
        assertThat(types.stream().filter("row"::equals).count(), is(7L));
        assertThat(read(c, "no-such-run", 2), is(List.of()));
      }
    }
  }
}
