package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.LineageFixture.at;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks read in fewer passes than one query each (the artifact check through the sinks' node
 * ids, "rows have no finished token" derived from the count of finished rows): each still finds
 * what it names, alone and on shared connections.
 */
class ReconciliationChecksTest {
  @TempDir Path dir;

  /** Two rows through a source and a sink that wrote an artifact. */
  private static LineageFixture run() {
    LineageFixture f = new LineageFixture("run-c", at(0), null);
    f.node("src", "csv", "source").node("snk", "csv", "sink").node("other", "csv", "sink");
    for (int i = 0; i < 2; i++) {
      f.row("row-" + i, i, "src");
      f.token("tok-" + i, "row-" + i, null, null, at(10 + i));
      f.completed("st-s" + i, "tok-" + i, "src", 0, null, at(10), at(11));
      f.completed("st-k" + i, "tok-" + i, "snk", 1, null, at(12), at(13));
      f.outcome("out-" + i, "tok-" + i, "completed", "out", null, null, null);
    }
    f.artifact("art-1", "st-k1", "snk", "/out.csv", at(14));
    return f;
  }

  private RunReconciliation reconcile(LineageFixture f, int workers) throws Exception {
    try (LandscapeStore store =
        LandscapeStore.open(
            LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape-" + workers + ".db")))) {
      f.commit(store);
      try (var c = store.connection()) {
        return RunReconciliation.of(c, "run-c", store::separateConnection, workers);
      }
    }
  }

  @Test
  void aRunWhoseEveryRowReachedASinkThatWroteReconciles() throws Exception {
    RunReconciliation r = reconcile(run(), 2);
    assertThat(r.problems(), empty());
    assertThat(r.outcomes(), is(Map.of("completed@out", 2L)));
  }

  @Test
  void aSinkOutcomeWhoseSinkVisitIsAtANodeWithoutArtifactIsFound() throws Exception {
    LineageFixture f = run();
    f.row("row-2", 2, "src");
    f.token("tok-2", "row-2", null, null, at(20));
    f.completed("st-s2", "tok-2", "src", 0, null, at(20), at(21));
    // Its last visit is a sink node that wrote nothing.
    f.completed("st-o2", "tok-2", "other", 1, null, at(22), at(23));
    f.outcome("out-2", "tok-2", "completed", "out", null, null, null);
    for (int workers : new int[] {1, 3}) {
      assertThat(reconcile(f, workers).problems(), contains("1 sink outcomes have no artifact"));
    }
  }

  @Test
  void aRowWithoutAnyTokenIsUnfinishedAndTokenless() throws Exception {
    LineageFixture f = run();
    f.row("row-2", 2, "src");
    for (int workers : new int[] {1, 3}) {
      assertThat(
          reconcile(f, workers).problems(),
          contains("1 source rows have no token", "1 rows have no finished token"));
    }
  }

  @Test
  void aTokenOfARowOfAnotherRunLeavesTheUnfinishedRowsToTheExactCount() throws Exception {
    LineageFixture f = run();
    // A finished token of this run naming a row that is not the run's: the finished-rows count
    // (3) exceeds the run's rows (3 with row-2), yet row-2 itself was never finished.
    f.row("row-2", 2, "src");
    f.token("tok-x", "row-elsewhere", null, null, at(30));
    f.completed("st-x", "tok-x", "src", 0, null, at(30), at(31));
    f.completed("st-xk", "tok-x", "snk", 1, null, at(32), at(33));
    f.outcome("out-x", "tok-x", "completed", "out", null, null, null);
    RunReconciliation r = reconcile(f, 2);
    assertThat(r.problems(), hasItem("1 tokens name a row that is not in this run"));
    assertThat(r.problems(), hasItem("1 rows have no finished token"));
  }
}
