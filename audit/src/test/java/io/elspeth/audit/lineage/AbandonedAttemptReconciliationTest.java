package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.LineageFixture.at;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner that restarts a failed task re-reads the source and mints new tokens: the abandoned
 * attempt's source token, committed without any outcome, is an attempt of a row another token
 * finished, not a lost row; two attempts that both finish a row are a contradiction.
 */
class AbandonedAttemptReconciliationTest {
  @TempDir Path dir;

  private static LineageFixture run() {
    LineageFixture f = new LineageFixture("run-r", at(0), null);
    f.node("src", "csv", "source").node("snk", "csv", "sink");
    f.row("row-0", 0, "src");
    // The abandoned attempt: its source visit committed, then its task was killed.
    f.token("tok-abandoned", "row-0", null, null, at(1));
    f.completed("st-a0", "tok-abandoned", "src", 0, null, at(1), at(2));
    // The surviving attempt, through the sink.
    f.token("tok-final", "row-0", null, null, at(10));
    f.completed("st-f0", "tok-final", "src", 0, null, at(10), at(11));
    f.completed("st-f1", "tok-final", "snk", 1, null, at(12), at(13));
    f.artifact("art-1", "st-f1", "snk", "/out.csv", at(14));
    f.outcome("out-final", "tok-final", "completed", "out", null, null, null);
    return f;
  }

  private RunReconciliation reconcile(LineageFixture f) throws Exception {
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db")))) {
      f.commit(store);
      try (Connection c = store.connection()) {
        return RunReconciliation.of(c, "run-r");
      }
    }
  }

  @Test
  void anAbandonedSourceAttemptOfAFinishedRowReconciles() throws Exception {
    RunReconciliation r = reconcile(run());
    assertThat(r.problems(), empty());
    assertThat(r.tokens(), is(2L));
  }

  @Test
  void aVisitCommittedWithoutItsAbandonedTokenReconciles() throws Exception {
    LineageFixture f = run();
    f.completed("st-orphan", "tok-never-recorded", "snk", 1, null, at(3), at(4));
    assertThat(reconcile(f).problems(), empty());
  }

  @Test
  void aFinishedTokenWithoutItsTokenRecordIsLostLineage() throws Exception {
    LineageFixture f = run();
    f.completed("st-orphan", "tok-never-recorded", "snk", 1, null, at(3), at(4));
    f.outcome("out-orphan", "tok-never-recorded", "completed", "out", null, null, null);
    assertThat(
        reconcile(f).problems(),
        org.hamcrest.Matchers.hasItem("1 node states name a token that is not in this run"));
  }

  @Test
  void twoAttemptsFinishingOneRowAreAContradiction() throws Exception {
    LineageFixture f = run();
    f.completed("st-a1", "tok-abandoned", "snk", 1, null, at(3), at(4));
    f.outcome("out-abandoned", "tok-abandoned", "completed", "out", null, null, null);
    assertThat(
        reconcile(f).problems(), contains("1 rows were finished by more than one source attempt"));
  }

  @Test
  void aRowNoAttemptFinishedIsStillLost() throws Exception {
    LineageFixture f = run();
    f.row("row-1", 1, "src");
    f.token("tok-lost", "row-1", null, null, at(20));
    f.completed("st-l0", "tok-lost", "src", 0, null, at(20), at(21));
    assertThat(
        reconcile(f).problems(),
        contains("1 tokens have no terminal outcome", "1 rows have no finished token"));
  }

  @Test
  void checksSharedAmongConnectionsFindWhatOneConnectionFinds() throws Exception {
    LineageFixture f = run();
    f.completed("st-orphan", "tok-never-recorded", "snk", 1, null, at(3), at(4));
    f.outcome("out-orphan", "tok-never-recorded", "completed", "out", null, null, null);
    // A row nothing ever reached: no token at all, so no finished token either.
    f.row("row-lost", 1, "src");
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db")))) {
      f.commit(store);
      RunReconciliation alone;
      RunReconciliation shared;
      try (Connection c = store.connection()) {
        alone = RunReconciliation.of(c, "run-r");
      }
      try (Connection c = store.connection()) {
        shared = RunReconciliation.of(c, "run-r", store::separateConnection, 3);
      }
      assertThat(shared, is(alone));
      assertThat(
          shared.problems(),
          contains(
              "1 source rows have no token",
              "1 outcomes name a token that is not in this run",
              "1 node states name a token that is not in this run",
              "1 rows have no finished token"));
    }
  }
}
