package io.elspeth.connectors.database;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The database sink's trial of rows on an existing table, on SQLite and on PostgreSQL
 * (TestPostgres, one schema per test): each kind of constraint refuses exactly its rows, with the
 * database's message, a key repeated within the rows refuses the later row, the table is left as it
 * was, and the rows it lets through are then written.
 */
class DatabaseRowTrialTest {
  private static final String PG = TestPostgres.get().url();

  @TempDir Path dir;
  private String pgSchema;

  @AfterEach
  void dropSchema() throws SQLException {
    if (pgSchema != null) {
      try (Connection c = admin();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + pgSchema + " CASCADE");
      }
    }
  }

  private static Connection admin() throws SQLException {
    return DriverManager.getConnection(LandscapeUrl.parse(PG).jdbcUrl(), "postgres", null);
  }

  /** The url and table for a dialect; PostgreSQL gets a schema of its own. */
  private String[] target(String dialect) throws SQLException {
    if (dialect.equals("sqlite")) {
      return new String[] {"sqlite:///" + dir.resolve("sink.db").toAbsolutePath(), "items"};
    }
    pgSchema = "trial_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + pgSchema);
    }
    return new String[] {PG, pgSchema + ".items"};
  }

  /** Runs SQL on the target's database; {@code $S.} is the test's schema (nothing on SQLite). */
  private void sql(String[] t, String... statements) throws SQLException {
    LandscapeUrl url = LandscapeUrl.parse(t[0]);
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement s = c.createStatement()) {
      for (String q : statements) {
        s.execute(q.replace("$S.", pgSchema == null ? "" : pgSchema + "."));
      }
    }
  }

  private List<String> select(String[] t, String query) throws SQLException {
    LandscapeUrl url = LandscapeUrl.parse(t[0]);
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(query.replace("$S.", pgSchema == null ? "" : pgSchema + "."))) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  private static SinkWriter writer(String[] target, Object... more) {
    return DatabaseSinkWriterTest.writer(target, more);
  }

  private static Map<String, Object> map(Object... kv) {
    return DatabaseSinkWriterTest.map(kv);
  }

  private static SortedMap<Long, String> tried(SinkWriter w, List<Map<String, Object>> rows)
      throws IOException {
    return w.targetCheck().orElseThrow().refused(rows);
  }

  /**
   * The rows the trial lets through are written by the same writer without an error, and the table
   * holds what it held plus them.
   */
  private void writesTheRest(
      SinkWriter w, List<Map<String, Object>> rows, SortedMap<Long, String> refused)
      throws IOException {
    List<Map<String, Object>> rest = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (!refused.containsKey((long) i)) {
        rest.add(rows.get(i));
      }
    }
    w.write(rest, new OperationCalls("r", "op"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void notNullRefusesTheRowWithTheNullAndLeavesTheTableAsItWas(String dialect) throws Exception {
    String[] t = target(dialect);
    sql(
        t,
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        "INSERT INTO $S.items VALUES (100, 'old')");
    SinkWriter w = writer(t);
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "name", "a"), map("id", 2L, "name", null), map("id", 3L, "name", "c"));

    SortedMap<Long, String> refused = tried(w, rows);

    assertThat(refused.keySet(), contains(1L));
    assertThat(refused.get(1L), containsString("table '" + t[1] + "' refused the row: "));
    assertThat(
        refused.get(1L),
        containsString(
            dialect.equals("sqlite")
                ? "NOT NULL constraint failed: items.name"
                : "null value in column \"name\""));
    assertThat(select(t, "SELECT id FROM $S.items"), contains("100"));
    writesTheRest(w, rows, refused);
    assertThat(select(t, "SELECT id FROM $S.items ORDER BY id"), contains("1", "3", "100"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aKeyInTheTableOrEarlierInTheRunRefusesTheLaterRowAcrossBatches(String dialect)
      throws Exception {
    String[] t = target(dialect);
    sql(
        t,
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, name TEXT UNIQUE)",
        "INSERT INTO $S.items VALUES (1, 'old')");
    // Batches of 2: the repeats are in other batches than the rows they repeat.
    SinkWriter w = writer(t, "batch_size", 2L);
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "name", "a"), // 0: id in the table
            map("id", 2L, "name", "b"), // 1
            map("id", 3L, "name", "old"), // 2: name in the table
            map("id", 2L, "name", "b2"), // 3: id of row 1
            map("id", 5L, "name", "b"), // 4: name of row 1
            map("id", 6L, "name", "f")); // 5

    SortedMap<Long, String> refused = tried(w, rows);

    assertThat(refused.keySet(), contains(0L, 2L, 3L, 4L));
    String unique =
        dialect.equals("sqlite")
            ? "UNIQUE constraint failed: items."
            : "duplicate key value violates unique constraint";
    refused.values().forEach(r -> assertThat(r, containsString(unique)));
    if (dialect.equals("sqlite")) {
      assertThat(refused.get(2L), containsString("items.name"));
      assertThat(refused.get(3L), containsString("items.id"));
    }
    // PostgreSQL's DETAIL line (the key's value) is not in the reason.
    refused.values().forEach(r -> assertThat(r, not(containsString("Detail"))));
    assertThat(select(t, "SELECT COUNT(*) FROM $S.items"), contains("1"));
    writesTheRest(w, rows, refused);
    assertThat(select(t, "SELECT id FROM $S.items ORDER BY id"), contains("1", "2", "6"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void checkAndForeignKeyConstraintsRefuseTheirRows(String dialect) throws Exception {
    String[] t = target(dialect);
    sql(
        t,
        "CREATE TABLE $S.customers (id BIGINT PRIMARY KEY)",
        "INSERT INTO $S.customers VALUES (7)",
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, qty BIGINT CHECK (qty > 0),"
            + " customer BIGINT REFERENCES "
            + (pgSchema == null ? "" : pgSchema + ".")
            + "customers (id))");
    SinkWriter w = writer(t);
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "qty", 5L, "customer", 7L),
            map("id", 2L, "qty", -1L, "customer", 7L),
            map("id", 3L, "qty", 1L, "customer", 8L),
            map("id", 4L, "qty", 2L, "customer", null));

    SortedMap<Long, String> refused = tried(w, rows);

    assertThat(refused.keySet(), contains(1L, 2L));
    assertThat(
        refused.get(1L),
        dialect.equals("sqlite")
            ? containsString("CHECK constraint failed: qty > 0")
            : containsString("violates check constraint \"items_qty_check\""));
    assertThat(
        refused.get(2L),
        dialect.equals("sqlite")
            ? containsString("FOREIGN KEY constraint failed")
            : containsString("violates foreign key constraint \"items_customer_fkey\""));
    writesTheRest(w, rows, refused);
    assertThat(select(t, "SELECT id FROM $S.items ORDER BY id"), contains("1", "4"));
  }

  @Test
  void aDeferredForeignKeyIsCheckedPerRowOnPostgresql() throws Exception {
    String[] t = target("postgresql");
    sql(
        t,
        "CREATE TABLE $S.customers (id BIGINT PRIMARY KEY)",
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, customer BIGINT REFERENCES "
            + pgSchema
            + ".customers (id) DEFERRABLE INITIALLY DEFERRED)");
    SortedMap<Long, String> refused =
        tried(writer(t), List.of(map("id", 1L, "customer", 9L), map("id", 2L, "customer", null)));
    assertThat(refused.keySet(), contains(0L));
  }

  @Test
  void postgresqlRefusesTooLongTextOutOfRangeNumbersAndTextOfTheWrongType() throws Exception {
    String[] t = target("postgresql");
    sql(
        t,
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, code VARCHAR(5), qty INTEGER,"
            + " amount NUMERIC(5, 2), born DATE)");
    SinkWriter w = writer(t);
    // born: text the column must convert; "qty" mixes numbers and text (a dynamic schema).
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "code", "abcde", "qty", "5", "amount", 999.99, "born", "2020-01-31"),
            map("id", 2L, "code", "abcdef", "qty", "5", "amount", 1.0, "born", "2020-01-31"),
            map("id", 3L, "code", "a", "qty", "3000000000", "amount", 1.0, "born", "2020-01-31"),
            map("id", 4L, "code", "a", "qty", "many", "amount", 1.0, "born", "2020-01-31"),
            map("id", 5L, "code", "a", "qty", "1", "amount", 1000.0, "born", "2020-01-31"),
            map("id", 6L, "code", "a", "qty", "1", "amount", 1.0, "born", "yesterday-ish"));

    SortedMap<Long, String> refused = tried(w, rows);

    assertThat(refused.keySet(), contains(1L, 2L, 3L, 4L, 5L));
    assertThat(refused.get(1L), containsString("value too long for type character varying(5)"));
    assertThat(refused.get(2L), containsString("out of range for type integer"));
    assertThat(refused.get(3L), containsString("invalid input syntax for type integer"));
    assertThat(refused.get(4L), containsString("numeric field overflow"));
    assertThat(refused.get(5L), containsString("date"));
    writesTheRest(w, rows, refused);
    assertThat(select(t, "SELECT born FROM $S.items"), contains("2020-01-31"));
  }

  @Test
  void aSqliteStrictTableRefusesTextOfTheWrongTypeAndAPlainOneStoresIt() throws Exception {
    String[] t = target("sqlite");
    sql(t, "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, code TEXT) STRICT");
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "qty", "5", "code", "abc"), map("id", 2L, "qty", "many", "code", "a"));
    SortedMap<Long, String> refused = tried(writer(t), rows);
    assertThat(refused.keySet(), contains(1L));
    assertThat(
        refused.get(1L),
        containsString("cannot store TEXT value in INTEGER column" + " items.qty"));

    // Without STRICT, SQLite stores any value in any column, and VARCHAR(n) is not a limit.
    sql(
        t,
        "DROP TABLE items",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER," + " code VARCHAR(2))");
    assertThat(tried(writer(t), rows).isEmpty(), is(true));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void anUpsertUpdatesItsKeyButOtherConstraintsStillRefuse(String dialect) throws Exception {
    String[] t = target(dialect);
    sql(
        t,
        "CREATE TABLE $S.items (id BIGINT PRIMARY KEY, name TEXT UNIQUE,"
            + " qty BIGINT CHECK (qty > 0))",
        "INSERT INTO $S.items VALUES (1, 'one', 1)",
        "INSERT INTO $S.items VALUES (2, 'two', 1)");
    SinkWriter w = writer(t, "upsert_key", "id");
    List<Map<String, Object>> rows =
        List.of(
            map("id", 1L, "name", "one", "qty", 5L), // 0: updates row 1
            map("id", 1L, "name", "uno", "qty", 6L), // 1: updates it again (same run)
            map("id", 3L, "name", "two", "qty", 1L), // 2: name of row 2
            map("id", 2L, "name", "two", "qty", -5L)); // 3: the update breaks the check

    SortedMap<Long, String> refused = tried(w, rows);

    assertThat(refused.keySet(), contains(2L, 3L));
    assertThat(
        refused.get(3L),
        anyOf(containsString("CHECK constraint failed"), containsString("check constraint")));
    writesTheRest(w, rows, refused);
    assertThat(select(t, "SELECT name FROM $S.items ORDER BY id"), contains("uno", "two"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aTableTheSinkCreatesIsNotTriedAndAMissingColumnFailsTheCheck(String dialect)
      throws Exception {
    String[] t = target(dialect);
    // replace: the sink creates the table itself, from the rows' types.
    assertThat(writer(t, "if_exists", "replace").targetCheck().isPresent(), is(false));
    // append to a missing table: it is created the same way, nothing to refuse.
    assertThat(tried(writer(t), List.of(map("id", 1L), map("id", 1L))).isEmpty(), is(true));

    sql(t, "CREATE TABLE $S.items (id BIGINT)");
    IOException e =
        assertThrows(
            IOException.class, () -> tried(writer(t), List.of(map("id", 1L, "extra", "x"))));
    assertThat(e.getMessage(), containsString("cannot try the rows on table '" + t[1] + "'"));
    assertThat(e.getMessage(), containsString("extra"));
  }

  @Test
  void noPasswordOfTheUrlIsInAReasonOrAnError() throws Exception {
    String[] t = target("postgresql");
    String hostPort = TestPostgres.get().hostPort();
    String[] withPassword = {"postgresql://postgres:s3cretPW@" + hostPort + "/test", t[1]};
    sql(t, "CREATE TABLE $S.items (id BIGINT PRIMARY KEY)");
    SortedMap<Long, String> refused =
        tried(writer(withPassword), List.of(map("id", 1L), map("id", 1L)));
    assertThat(refused.keySet(), contains(1L));
    assertThat(refused.get(1L), not(containsString("s3cretPW")));
    IOException e =
        assertThrows(
            IOException.class,
            () -> tried(writer(withPassword), List.of(map("id", 1L, "extra", "x"))));
    assertThat(e.getMessage(), not(containsString("s3cretPW")));
    assertThat(e.getMessage(), containsString("postgresql://" + hostPort));
  }
}
