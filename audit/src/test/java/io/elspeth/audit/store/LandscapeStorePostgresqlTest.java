package io.elspeth.audit.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every LandscapeStore test on PostgreSQL (TestPostgres, a fresh schema per test), where commits go
 * through COPY into a staging table and one idempotent INSERT ... SELECT; plus what only the COPY
 * path has to get right: text that needs escaping, and staging tables that a rolled-back commit
 * cannot leave behind in a bad state.
 */
class LandscapeStorePostgresqlTest extends LandscapeStoreTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();
  private String schema;

  @Override
  LandscapeUrl url() throws Exception {
    schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return LandscapeUrl.parse(TestPostgres.get().url() + "?currentSchema=" + schema);
  }

  @Override
  @AfterEach
  void close() throws Exception {
    super.close();
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private final Instant at = Instant.parse("2026-01-01T00:00:00.123456Z");

  private String text(String sql) throws Exception {
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void textThatCopyMustEscapeIsStoredAsGivenAndARetryOfItIsANoOp() throws Exception {
    String awkward = "tab\there, newline\nthere, cr\r, backslash \\N \\ and \"quotes\", é";
    NodeStateRecord state =
        new NodeStateRecord(
            "st1",
            "tok1",
            "run1",
            "src",
            0,
            0,
            "completed",
            "in",
            null,
            awkward,
            1.5,
            null,
            null,
            at,
            at);
    List<AuditRecord> records =
        List.of(
            new RowRecord("row1", "run1", "src", 0, "h", null, at),
            new TokenRecord("tok1", "row1", "run1", null, null, null, null, null, at),
            state);
    assertThat(store.commitNew(records).size(), is(3));
    assertThat(
        text("SELECT context_after_json FROM node_states WHERE state_id = 'st1'"), is(awkward));
    assertThat(text("SELECT output_hash IS NULL FROM node_states WHERE state_id = 'st1'"), is("t"));
    assertThat(
        text(
            "SELECT started_at = TIMESTAMPTZ '2026-01-01 00:00:00.123456+00'"
                + " FROM node_states WHERE state_id = 'st1'"),
        is("t"));
    assertThat("a retried bundle inserts nothing", store.commitNew(records).size(), is(0));
  }

  @Test
  void aLargeBundleCommitsEveryRecordOnceAndARolledBackOneLeavesTheNextCommitWorking()
      throws Exception {
    List<AuditRecord> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      rows.add(new RowRecord("row-" + i, "run1", "src", i, "h" + i, null, at));
    }
    assertThat(store.commitNew(rows).size(), is(5000));
    // Same key, other content: refused, and the whole transaction rolled back.
    List<AuditRecord> bad =
        List.of(
            new RowRecord("row-new", "run1", "src", 9000, "h", null, at),
            new RowRecord("row-1", "run1", "src", 1, "other", null, at));
    assertThrows(LandscapeIntegrityException.class, () -> store.commitNew(bad));
    assertThat(text("SELECT COUNT(*) FROM rows"), is("5000"));
    // The staging tables survive the rollback (they were made in their own transaction).
    assertThat(store.commitNew(List.of(bad.get(0))).size(), is(1));
    assertThat(text("SELECT COUNT(*) FROM rows"), is("5001"));
  }

  @Test
  void theSilenceTimeoutIsReadFromTheUrlAndNotPassedToTheDriver() throws Exception {
    LandscapeUrl url =
        LandscapeUrl.parse(
            TestPostgres.get().url() + "?currentSchema=" + schema + "&serverSilenceTimeout=7");
    assertThat(LandscapeDriverSettings.silenceTimeout(url), is(java.time.Duration.ofSeconds(7)));
    assertThat(
        LandscapeDriverSettings.withoutQueryParam(
            "jdbc:postgresql://h:1/d?a=1&" + "serverSilenceTimeout=7&b=2",
            LandscapeDriverSettings.SILENCE_TIMEOUT_PARAM),
        is("jdbc:postgresql://h:1/d?a=1&b=2"));
    assertThat(
        LandscapeDriverSettings.silenceTimeout(LandscapeUrl.parse(TestPostgres.get().url())),
        is(java.time.Duration.ofSeconds(LandscapeDriverSettings.DEFAULT_SILENCE_SECONDS)));
    try (LandscapeStore silenced = LandscapeStore.open(url)) {
      assertThat(
          silenced.commit(List.of(new RowRecord("row-s", "run1", "src", 0, "h", null, at))), is(1));
      try (Connection c = silenced.separateConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM rows")) {
        rs.next();
        assertThat(rs.getLong(1), is(1L));
      }
    }
    LandscapeWriteException bad =
        assertThrows(
            LandscapeWriteException.class,
            () ->
                LandscapeDriverSettings.silenceTimeout(
                    LandscapeUrl.parse(TestPostgres.get().url() + "?serverSilenceTimeout=soon")));
    assertThat(
        bad.getMessage(),
        org.hamcrest.Matchers.containsString(
            "serverSilenceTimeout=soon: expected a whole number of seconds"));
  }
}
