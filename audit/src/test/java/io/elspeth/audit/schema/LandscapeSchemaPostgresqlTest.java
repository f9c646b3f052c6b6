package io.elspeth.audit.schema;

import static io.elspeth.audit.schema.SqlRows.execute;
import static io.elspeth.audit.schema.SqlRows.query;
import static io.elspeth.audit.schema.SqlRows.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Runs against TestPostgres (the server on 5432, or an embedded one). Each test gets its own
 * schema, reached through the {@code currentSchema} JDBC parameter, and drops it afterwards. If the
 * server does not answer, {@link #createSchema()} throws and every test fails: these tests are
 * never skipped.
 */
class LandscapeSchemaPostgresqlTest {
  private static final String URL =
      TestPostgres.get().jdbcUrl() + "&connectTimeout=10&socketTimeout=120";

  private final List<String> schemasToDrop = new ArrayList<>();
  private Connection admin;
  private String schema;
  private Connection c;
  private LandscapeRows rows;

  @BeforeEach
  void createSchema() throws SQLException {
    admin = DriverManager.getConnection(URL);
    schema = newSchema("t_");
    c = DriverManager.getConnection(URL + "&currentSchema=" + schema);
    rows = new LandscapeRows(c, Dialect.POSTGRESQL);
  }

  @AfterEach
  void dropSchema() throws SQLException {
    try {
      if (c != null) {
        c.close();
      }
    } finally {
      if (admin != null) {
        try (Statement s = admin.createStatement()) {
          for (String name : schemasToDrop) {
            s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
          }
        } finally {
          admin.close();
        }
      }
    }
  }

  @Test
  void migrateCreatesAllTwentyTablesInTheConnectionsCurrentSchemaAndRecordsVersionOne()
      throws SQLException {
    migrate(schema);

    List<String> expected = new ArrayList<>(LandscapeSchema.tableNames());
    expected.add(LandscapeSchema.VERSION_TABLE);
    expected.addAll(ExtensionTables.names());
    assertThat(tablesIn(schema), containsInAnyOrder(expected.toArray()));
    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(
        query(
            admin,
            "SELECT version FROM "
                + schema
                + ".landscape_schema_history"
                + " ORDER BY installed_rank"),
        contains(List.of("1"), List.of("2"), List.of("3"), List.of("4")));
  }

  @Test
  void migrateCreatesExactlyTheColumnsOfTheSpecWithPostgresqlTypes() throws SQLException {
    migrate(schema);

    for (Map.Entry<String, List<String>> table : ExpectedLandscape.COLUMNS.entrySet()) {
      List<String> actual = columns(table.getKey()).stream().map(column -> column.get(0)).toList();
      assertThat(table.getKey(), actual, equalTo(table.getValue()));
    }
    assertThat(columnType("runs", "started_at"), is("timestamp with time zone|null"));
    assertThat(columnType("runs", "run_id"), is("character varying|64"));
    assertThat(columnType("runs", "schema_contract_hash"), is("character varying|32"));
    assertThat(columnType("node_states", "duration_ms"), is("double precision|null"));
    assertThat(columnType("secret_resolutions", "timestamp"), is("double precision|null"));
    assertThat(columnType("runs", "settings_json"), is("text|null"));
  }

  @Test
  void migrateCreatesTheTerminalOutcomePartialUniqueIndex() throws SQLException {
    migrate(schema);

    assertThat(
        indexDefinition("ix_token_outcomes_terminal_unique"),
        allOf(
            containsString("CREATE UNIQUE INDEX ix_token_outcomes_terminal_unique"),
            containsString("(token_id) WHERE (is_terminal = 1)")));
    rows.runWithToken("run1", "tok1");
    rows.outcome("out_1", "run1", "tok1", "buffered", 0);
    rows.outcome("out_2", "run1", "tok1", "buffered", 0);
    rows.outcome("out_3", "run1", "tok1", "completed", 1);

    SQLException e =
        assertThrows(SQLException.class, () -> rows.outcome("out_4", "run1", "tok1", "failed", 1));

    assertThat(e.getSQLState(), is("23505"));
    assertThat(e.getMessage(), containsString("ix_token_outcomes_terminal_unique"));
  }

  @Test
  void migrateCreatesEveryNamedIndex() throws SQLException {
    migrate(schema);

    List<String> indexes =
        query(admin, "SELECT indexname FROM pg_indexes WHERE schemaname = '" + schema + "'")
            .stream()
            .map(r -> r.get(0))
            .toList();
    assertThat(indexes, hasItems(ExpectedLandscape.NAMED_INDEXES.toArray(new String[0])));
    assertThat(
        indexDefinition("ix_calls_state_call_index_unique"),
        containsString("(state_id, call_index) WHERE (state_id IS NOT NULL)"));
    assertThat(
        indexDefinition("ix_calls_operation_call_index_unique"),
        containsString("(operation_id, call_index) WHERE (operation_id IS NOT NULL)"));
  }

  @Test
  void migrateOnACurrentSchemaIsANoOp() throws SQLException {
    migrate(schema);
    List<List<String>> objectsBefore = schemaObjects();
    List<List<String>> versionBefore =
        query(admin, "SELECT * FROM " + schema + ".landscape_schema_history");

    assertThat(migrate(schema), is(0));

    assertThat(schemaObjects(), equalTo(objectsBefore));
    assertThat(
        query(admin, "SELECT * FROM " + schema + ".landscape_schema_history"),
        equalTo(versionBefore));
  }

  @Test
  void migrateRefusesASchemaWithAnotherVersion() throws SQLException {
    migrate(schema);
    execute(
        admin,
        "UPDATE "
            + schema
            + ".landscape_schema_history SET version = '99'"
            + " WHERE version = '2'");

    SchemaVersionException e = assertThrows(SchemaVersionException.class, () -> migrate(schema));

    assertThat(
        e.getMessage(),
        allOf(
            containsString("found version 99"),
            containsString("expected version 4"),
            containsString(schema)));
    assertThat(LandscapeSchema.readVersion(c), is(99));
  }

  @Test
  void migrateIgnoresLandscapeTablesOfOtherSchemasOnTheSearchPath() throws SQLException {
    String other = newSchema("o_");
    execute(admin, "CREATE TABLE " + other + ".runs (run_id VARCHAR(64) PRIMARY KEY)");
    execute(admin, "CREATE TABLE " + other + ".landscape_schema_version (version INTEGER)");
    execute(admin, "INSERT INTO " + other + ".landscape_schema_version VALUES (99)");

    try (Connection both =
        DriverManager.getConnection(URL + "&currentSchema=" + schema + "," + other)) {
      assertThat(LandscapeSchema.readVersion(both), is(-1));

      LandscapeSchema.apply(dataSource(schema + "," + other), SchemaAccess.MIGRATE);

      assertThat(LandscapeSchema.readVersion(both), is(LandscapeSchema.CURRENT_VERSION));
    }
    assertThat(tablesIn(schema).size(), is(21 + ExtensionTables.names().size()));
    assertThat(tablesIn(other), containsInAnyOrder("runs", "landscape_schema_version"));
  }

  @Test
  void migrateLeavesNoPartialSchemaWhenCreationFails() throws SQLException {
    execute(admin, "CREATE TABLE " + schema + ".ix_checkpoints_run_seq (x INTEGER)");

    assertThrows(SchemaVersionException.class, () -> migrate(schema));

    assertThat(tablesIn(schema), contains("ix_checkpoints_run_seq", "landscape_schema_history"));
    assertThat(LandscapeSchema.readVersion(c), is(0));
  }

  @Test
  void migrateFailsWhenTheConnectionHasNoCurrentSchema() throws SQLException {
    try (Connection nowhere =
        DriverManager.getConnection(URL + "&currentSchema=" + schema + "_does_not_exist")) {
      SQLException e = assertThrows(SQLException.class, () -> migrate(schema + "_does_not_exist"));

      assertThat(e.getMessage(), containsString("no current schema"));
      assertThat(LandscapeSchema.readVersion(nowhere), is(-1));
    }
  }

  @Test
  void callsHasParentRejectsBothParentsAndNeither() throws SQLException {
    migrate(schema);
    rows.runWithToken("run1", "tok1");
    rows.nodeState("run1", "tok1", "state1");
    rows.operation("run1", "op_1");

    SQLException both =
        assertThrows(SQLException.class, () -> rows.call("call1", "state1", "op_1", 0));
    SQLException neither =
        assertThrows(SQLException.class, () -> rows.call("call2", null, null, 0));
    rows.call("call3", "state1", null, 0);
    rows.call("call4", null, "op_1", 0);

    assertThat(both.getSQLState(), is("23514"));
    assertThat(both.getMessage(), containsString("calls_has_parent"));
    assertThat(neither.getSQLState(), is("23514"));
    assertThat(neither.getMessage(), containsString("calls_has_parent"));
  }

  @Test
  void aTransformErrorMustNameANodeOfItsRun() throws SQLException {
    migrate(schema);
    rows.runWithToken("run1", "tok1");

    SQLException e =
        assertThrows(
            SQLException.class,
            () ->
                execute(
                    c,
                    "INSERT INTO transform_errors (error_id, run_id, token_id, transform_id, row_hash,"
                        + " destination, created_at) VALUES ('terr_1', 'run1', 'tok1', 'no_such_node', 'h',"
                        + " 'discard', now())"));

    assertThat(e.getSQLState(), is("23503"));
  }

  @Test
  void concurrentStartsMigrateOnceAndBothSucceed() throws Exception {
    ExecutorService starts = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch ready = new CountDownLatch(2);
      Callable<Integer> start =
          () -> {
            ready.countDown();
            ready.await();
            return migrate(schema);
          };
      Future<Integer> first = starts.submit(start);
      Future<Integer> second = starts.submit(start);

      // One start applied all migrations; the other waited on Flyway's lock and found them.
      assertThat(List.of(first.get(), second.get()), containsInAnyOrder(4, 0));
    } finally {
      starts.shutdownNow();
    }
    assertThat(
        query(
            admin,
            "SELECT version, success FROM "
                + schema
                + ".landscape_schema_history ORDER BY installed_rank"),
        contains(List.of("1", "t"), List.of("2", "t"), List.of("3", "t"), List.of("4", "t")));
  }

  private String newSchema(String prefix) throws SQLException {
    String name = prefix + UUID.randomUUID().toString().replace("-", "");
    execute(admin, "CREATE SCHEMA " + name);
    schemasToDrop.add(name);
    return name;
  }

  private static int migrate(String schemaName) throws SQLException {
    return LandscapeSchema.apply(dataSource(schemaName), SchemaAccess.MIGRATE);
  }

  private static PGSimpleDataSource dataSource(String currentSchema) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(URL + "&currentSchema=" + currentSchema);
    return ds;
  }

  private List<String> tablesIn(String schemaName) throws SQLException {
    return query(
            admin,
            "SELECT tablename FROM pg_tables WHERE schemaname = '"
                + schemaName
                + "' ORDER BY tablename")
        .stream()
        .map(r -> r.get(0))
        .toList();
  }

  /** Name, data type and length of each column of a table of the test schema, in order. */
  private List<List<String>> columns(String table) throws SQLException {
    try (PreparedStatement ps =
        admin.prepareStatement(
            "SELECT column_name, data_type, character_maximum_length"
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
                + " ORDER BY ordinal_position")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      return rows(ps.executeQuery());
    }
  }

  private String columnType(String table, String column) throws SQLException {
    for (List<String> row : columns(table)) {
      if (row.get(0).equals(column)) {
        return row.get(1) + "|" + row.get(2);
      }
    }
    throw new AssertionError("no column " + table + "." + column);
  }

  private String indexDefinition(String index) throws SQLException {
    return query(
            admin,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = '"
                + schema
                + "' AND indexname = '"
                + index
                + "'")
        .get(0)
        .get(0);
  }

  private List<List<String>> schemaObjects() throws SQLException {
    return query(
        admin,
        "SELECT c.relname, c.relkind, c.oid::text FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '"
            + schema
            + "' ORDER BY c.relname");
  }
}
