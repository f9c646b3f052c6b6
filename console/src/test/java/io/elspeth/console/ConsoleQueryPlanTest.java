package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's queries on SQLite read through indexes: no plan step scans a row table (a {@code
 * SCAN t} without an index), so a page costs what the run it shows holds, not what the Landscape
 * holds.
 */
class ConsoleQueryPlanTest {
  /** A full pass over a table or over a whole index of it (SEARCH is a range read). */
  private static final Pattern TABLE_SCAN = Pattern.compile("\\bSCAN \\w+");

  @TempDir Path dir;

  @Test
  void everyQueryOfAPageUsesAnIndex() throws Exception {
    String fullScan = "SELECT COUNT(*) FROM node_states WHERE status = ?";
    List<String> queries =
        new ArrayList<>(
            List.of(
                RunSummaries.ROWS_OF_RUN,
                RunSummaries.OUTCOMES_OF_RUN,
                RunDagCounts.SOURCE_ROWS,
                RunDagCounts.NODE_STATES,
                RunDagCounts.ROUTED,
                ErrorGroups.VALIDATION,
                ErrorGroups.transform(false),
                ConsolePages.ROWS_PAGE,
                ConsolePages.ROW_BY_ID,
                ConsolePages.ROW_BY_TOKEN));
    queries.addAll(CallStats.CALLS_OF_NODE);
    queries.add(LlmUsage.LLM_CALLS_OF_NODE);
    queries.add(TelemetryHealth.SETTINGS_OF_RUN);
    queries.add(fullScan); // the detector's own check: this one must be reported
    List<String> scans = new ArrayList<>();
    try (LandscapeStore store =
            LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir + "/landscape.db"));
        Connection c = store.connection()) {
      for (String sql : queries) {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
          int params = ps.getParameterMetaData().getParameterCount();
          for (int i = 1; i <= params; i++) {
            ps.setString(i, "x");
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              String step = rs.getString("detail");
              if (TABLE_SCAN.matcher(step).find()) {
                scans.add(step + "  <-  " + sql);
              }
            }
          }
        }
      }
    }
    assertThat(scans.remove(scans.size() - 1), startsWith("SCAN node_states"));
    assertThat(scans, empty());
  }
}
