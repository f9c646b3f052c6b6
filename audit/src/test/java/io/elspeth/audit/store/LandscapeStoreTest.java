package io.elspeth.audit.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LandscapeStoreTest {
  @TempDir Path dir;

  LandscapeStore store;
  private final Instant now = Instant.parse("2026-01-01T00:00:00.123456Z");

  /** The database under test; a subclass runs every test on PostgreSQL. */
  LandscapeUrl url() throws Exception {
    return LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
  }

  @BeforeEach
  void open() throws Exception {
    store = LandscapeStore.open(url());
    store.commit(
        List.of(
            new RunRecord(
                "run1", now, null, "h", "{}", null, "sha256-rfc8785-v1", null, null, "running"),
            new NodeRecord(
                "src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null, null)));
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private long count(String sql) throws Exception {
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private RowRecord row(String hash) {
    return new RowRecord("row1", "run1", "src", 0, hash, null, now);
  }

  @Test
  void writesABatchInOneTransactionParentsFirst() throws Exception {
    int inserted =
        store.commit(
            List.of(
                new TokenRecord("tok1", "row1", "run1", null, null, null, null, null, now),
                row("h1")));
    assertThat(inserted, is(2));
    assertThat(count("SELECT COUNT(*) FROM tokens"), is(1L));
  }

  @Test
  void aDatabaseThatAnswersIsReachableOutsideThePool() {
    // The launcher asks this after a failed run; the server-dying case is an e2e test
    // (LandscapeServerDiesEndToEndTest), which stops a PostgreSQL of its own.
    assertThat(store.reachable(), is(true));
  }

  @Test
  void recommittingTheSameRecordIsANoOp() throws Exception {
    store.commit(List.of(row("h1")));
    assertThat(store.commit(List.of(row("h1"))), is(0));
    assertThat(count("SELECT COUNT(*) FROM rows"), is(1L));
  }

  @Test
  void commitNewReturnsOnlyWhatTheTransactionInserted() {
    TokenRecord token = new TokenRecord("tok1", "row1", "run1", null, null, null, null, null, now);
    store.commit(List.of(row("h1")));
    RowRecord again = row("h1");
    assertThat(store.commitNew(List.of(token, again)), contains(token));
    assertThat(store.commitNew(List.of(again, token)), is(empty()));
    // A retried visit under a new state id is written (as the next attempt): it counts as new.
    io.elspeth.audit.record.NodeStateRecord first = state("state-a");
    io.elspeth.audit.record.NodeStateRecord retried = state("state-b");
    assertThat(store.commitNew(List.of(first)), contains(first));
    assertThat(store.commitNew(List.of(first, retried)), contains(retried));
  }

  @Test
  void aKeyWithOtherContentIsAnIntegrityError() {
    store.commit(List.of(row("h1")));
    LandscapeIntegrityException e =
        assertThrows(LandscapeIntegrityException.class, () -> store.commit(List.of(row("h2"))));
    assertThat(e.getMessage(), containsString("source_data_hash"));
  }

  @Test
  void aSecondTerminalOutcomeForATokenIsRefusedAndTheBatchRolledBack() throws Exception {
    store.commit(
        List.of(
            row("h1"), new TokenRecord("tok1", "row1", "run1", null, null, null, null, null, now)));
    store.commit(List.of(outcome("out_1", "completed")));
    assertThrows(
        LandscapeIntegrityException.class,
        () ->
            store.commit(
                List.of(
                    new RowRecord("row2", "run1", "src", 1, "h", null, now),
                    outcome("out_2", "failed"))));
    assertThat("the whole batch rolled back", count("SELECT COUNT(*) FROM rows"), is(1L));
  }

  private TokenOutcomeRecord outcome(String id, String outcome) {
    return new TokenOutcomeRecord(
        id,
        "run1",
        "tok1",
        outcome,
        1,
        now,
        "out",
        null,
        null,
        null,
        null,
        "failed".equals(outcome) ? "e" : null,
        null,
        null);
  }

  @Test
  void completingARunIsAllowedOnce() throws Exception {
    assertThat(store.completeRun("run1", "completed", now), is(true));
    assertThat(store.completeRun("run1", "failed", now), is(false));
    assertThat(count("SELECT COUNT(*) FROM runs WHERE status = 'completed'"), is(1L));
  }

  @Test
  void completingARunWritesItsAggregatesInTheSameTransactionOrNeither() throws Exception {
    LandscapeWriteException e =
        assertThrows(
            LandscapeWriteException.class,
            () ->
                store.completeRun(
                    "run1",
                    "completed",
                    now,
                    c -> {
                      io.elspeth.audit.aggregates.StoredRunAggregates.write(c, "run1", 1, 5L, "{}");
                      throw new java.sql.SQLException("the aggregates cannot be written");
                    }));
    assertThat(e.getMessage(), containsString("the aggregates cannot be written"));
    assertThat(
        "the status rolled back with them",
        count("SELECT COUNT(*) FROM runs WHERE status = 'running'"),
        is(1L));
    assertThat(count("SELECT COUNT(*) FROM elspeth_run_aggregates"), is(0L));

    assertThat(
        store.completeRun(
            "run1",
            "completed",
            now,
            c -> {
              io.elspeth.audit.aggregates.StoredRunAggregates.write(
                  c, "run1", 1, 5L, "{\"rows\":1}");
              return null;
            }),
        is(true));
    assertThat(count("SELECT COUNT(*) FROM runs WHERE status = 'completed'"), is(1L));
    try (Connection c = store.connection()) {
      assertThat(
          io.elspeth.audit.aggregates.StoredRunAggregates.read(c, "run1").orElseThrow(),
          is(new io.elspeth.audit.aggregates.StoredRunAggregates.Stored(1, 5L, "{\"rows\":1}")));
    }
    // A settled run is not completed again, and its aggregates are left as they were.
    assertThat(
        store.completeRun(
            "run1",
            "failed",
            now,
            c -> {
              io.elspeth.audit.aggregates.StoredRunAggregates.write(c, "run1", 1, 6L, "{}");
              return null;
            }),
        is(false));
    assertThat(count("SELECT COUNT(*) FROM elspeth_run_aggregates WHERE recorded_ms = 5"), is(1L));
  }

  @Test
  void aClosedDatabaseFailsTheWriteWithTheReason() {
    store.close();
    LandscapeWriteException e =
        assertThrows(
            LandscapeWriteException.class, () -> store.commit(List.<AuditRecord>of(row("h1"))));
    assertThat(e.getMessage(), containsString("Landscape commit"));
  }

  @Test
  void aRetriedRecordDifferingOnlyInTimingIsTheSameRecord() throws Exception {
    store.commit(List.of(row("h1")));
    RowRecord later = new RowRecord("row1", "run1", "src", 0, "h1", null, now.plusSeconds(5));
    assertThat(store.commit(List.of(later)), is(0));
    assertThat(count("SELECT COUNT(*) FROM rows"), is(1L));
  }

  @Test
  void aRetriedVisitIsRecordedAsTheNextAttemptAndTheOutcomeOnce() throws Exception {
    store.commit(
        List.of(
            row("h1"), new TokenRecord("tok1", "row1", "run1", null, null, null, null, null, now)));
    // Attempt 1 of a bundle: its state commits, then the bundle fails before its output is used.
    store.commit(List.of(state("state-a"), terminal("run1", "tok1", "completed", now)));
    // Beam retries the bundle: a new state id for the same visit, the same outcome again.
    store.commit(
        List.of(state("state-b"), terminal("run1", "tok1", "completed", now.plusSeconds(1))));
    assertThat(count("SELECT COUNT(*) FROM node_states WHERE token_id = 'tok1'"), is(2L));
    assertThat(count("SELECT MAX(attempt) FROM node_states WHERE token_id = 'tok1'"), is(1L));
    assertThat(count("SELECT COUNT(*) FROM token_outcomes WHERE token_id = 'tok1'"), is(1L));
    // A retry that contradicts the recorded outcome is refused.
    assertThrows(
        LandscapeIntegrityException.class,
        () -> store.commit(List.of(terminal("run1", "tok1", "failed", now))));
  }

  private io.elspeth.audit.record.NodeStateRecord state(String id) {
    return new io.elspeth.audit.record.NodeStateRecord(
        id, "tok1", "run1", "src", 0, 0, "completed", "h1", "h1", null, 0.0, null, null, now, now);
  }

  private TokenOutcomeRecord terminal(String run, String token, String outcome, Instant at) {
    return new TokenOutcomeRecord(
        io.elspeth.audit.token.Ids.terminalOutcomeId(token),
        run,
        token,
        outcome,
        1,
        at,
        "completed".equals(outcome) ? "out" : null,
        null,
        null,
        null,
        null,
        "failed".equals(outcome) ? "e" : null,
        null,
        null);
  }
}
