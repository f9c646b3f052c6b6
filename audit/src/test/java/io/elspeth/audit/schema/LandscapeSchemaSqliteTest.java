package io.elspeth.audit.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class LandscapeSchemaSqliteTest {
  @TempDir Path dir;

  private Connection c;
  private SQLiteDataSource dataSource;
  private LandscapeRows rows;

  @BeforeEach
  void openDatabase() throws SQLException {
    dataSource = new SQLiteDataSource();
    dataSource.setUrl("jdbc:sqlite:" + dir.resolve("landscape.db"));
    c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("landscape.db"));
    execute("PRAGMA foreign_keys = ON");
    rows = new LandscapeRows(c, Dialect.SQLITE);
  }

  @AfterEach
  void closeDatabase() throws SQLException {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void migrateCreatesAllTwentyLandscapeTablesAndRecordsEachMigration() throws SQLException {
    assertThat(migrate(), is(LandscapeSchema.CURRENT_VERSION));

    List<String> expected = new ArrayList<>(LandscapeSchema.tableNames());
    expected.add(LandscapeSchema.VERSION_TABLE);
    expected.addAll(ExtensionTables.names());
    assertThat(tables(), containsInAnyOrder(expected.toArray()));
    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(
        query(
            "SELECT version, script, success FROM landscape_schema_history"
                + " ORDER BY installed_rank"),
        contains(
            List.of("1", "V1__landscape_tables.sql", "1"),
            List.of("2", "V2__elspeth_tables.sql", "1"),
            List.of("3", "V3__transform_errors_token_fk.sql", "1"),
            List.of("4", "V4__run_aggregates.sql", "1")));
  }

  @Test
  void migrateCreatesExactlyTheColumnsOfTheSpecInTableOrder() throws SQLException {
    migrate();

    for (Map.Entry<String, List<String>> table : ExpectedLandscape.COLUMNS.entrySet()) {
      List<String> actual = new ArrayList<>();
      for (List<String> column : query("PRAGMA table_info(" + table.getKey() + ")")) {
        actual.add(column.get(1));
      }
      assertThat(table.getKey(), actual, equalTo(table.getValue()));
    }
  }

  @Test
  void migrateUsesSqliteTypesForTimestampsAndFloats() throws SQLException {
    migrate();

    assertThat(columnType("runs", "started_at"), is("TEXT"));
    assertThat(columnType("runs", "run_id"), is("VARCHAR(64)"));
    assertThat(columnType("node_states", "duration_ms"), is("REAL"));
    assertThat(columnType("secret_resolutions", "timestamp"), is("REAL"));
    assertThat(columnType("runs", "schema_contract_hash"), is("VARCHAR(32)"));
  }

  @Test
  void migrateCreatesEveryNamedIndexAndThePartialUniqueIndexes() throws SQLException {
    migrate();

    List<String> indexes =
        query("SELECT name FROM sqlite_master WHERE type = 'index'").stream()
            .map(r -> r.get(0))
            .toList();
    assertThat(indexes, hasItems(ExpectedLandscape.NAMED_INDEXES.toArray(new String[0])));
    assertThat(
        indexSql("ix_token_outcomes_terminal_unique"),
        allOf(containsString("UNIQUE"), containsString("WHERE is_terminal = 1")));
    assertThat(
        indexSql("ix_calls_state_call_index_unique"),
        allOf(containsString("UNIQUE"), containsString("WHERE state_id IS NOT NULL")));
    assertThat(
        indexSql("ix_calls_operation_call_index_unique"),
        allOf(containsString("UNIQUE"), containsString("WHERE operation_id IS NOT NULL")));
  }

  @Test
  void migrateOnACurrentDatabaseIsANoOp() throws SQLException {
    migrate();
    List<List<String>> schemaBefore = schemaObjects();
    List<List<String>> versionBefore = query("SELECT * FROM landscape_schema_history");

    assertThat(migrate(), is(0));
    assertThat(check(), is(0));

    assertThat(schemaObjects(), equalTo(schemaBefore));
    assertThat(query("SELECT * FROM landscape_schema_history"), equalTo(versionBefore));
  }

  @Test
  void checkCreatesTheSchemaInAnEmptyDatabase() throws SQLException {
    assertThat(check(), is(LandscapeSchema.CURRENT_VERSION));

    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
  }

  @Test
  void checkRefusesALandscapeNotYetMigratedAndMigrateBringsItUp() throws SQLException {
    migrate();
    execute("DROP TABLE elspeth_sink_publications");
    execute("DROP TABLE elspeth_run_aggregates");
    execute("DELETE FROM landscape_schema_history WHERE version IN ('2', '3', '4')");
    List<List<String>> schemaBefore = schemaObjects();

    SchemaVersionException e = assertThrows(SchemaVersionException.class, this::check);

    assertThat(
        e.getMessage(),
        allOf(
            containsString("version 1 and not migrated yet"),
            containsString("`elspeth landscape migrate --database "),
            containsString("elspeth run --execute")));
    assertThat(e.foundVersion(), is(1));
    assertThat(schemaObjects(), equalTo(schemaBefore));
    assertThat(migrate(), is(3));
    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(tables(), hasItems("elspeth_sink_publications", "elspeth_run_aggregates"));
  }

  @Test
  void checkRefusesAVersionThreeLandscapeAndMigrateAddsTheRunAggregatesTable() throws SQLException {
    migrate();
    // A Landscape of the release before version 4: no run aggregates table.
    execute("DROP TABLE elspeth_run_aggregates");
    execute("DELETE FROM landscape_schema_history WHERE version = '4'");
    List<List<String>> schemaBefore = schemaObjects();

    SchemaVersionException e = assertThrows(SchemaVersionException.class, this::check);

    assertThat(e.getMessage(), containsString("version 3 and not migrated yet"));
    assertThat(e.foundVersion(), is(3));
    assertThat(schemaObjects(), equalTo(schemaBefore));
    assertThat(migrate(), is(1));
    assertThat(LandscapeSchema.readVersion(c), is(4));
    assertThat(tables(), hasItems("elspeth_run_aggregates"));
    assertThat(
        query("SELECT name FROM pragma_table_info('elspeth_run_aggregates')" + " ORDER BY cid"),
        contains(
            List.of("run_id"),
            List.of("format_version"),
            List.of("recorded_ms"),
            List.of("aggregates_json")));
  }

  @Test
  void migrateRefusesADatabaseWithAnotherVersionAndChangesNothing() throws SQLException {
    migrate();
    execute("UPDATE landscape_schema_history SET version = '99' WHERE version = '2'");
    List<List<String>> schemaBefore = schemaObjects();

    SchemaVersionException e = assertThrows(SchemaVersionException.class, this::migrate);
    SchemaVersionException checked = assertThrows(SchemaVersionException.class, this::check);

    assertThat(
        e.getMessage(),
        allOf(
            containsString("found version 99"),
            containsString("expected version 4"),
            containsString("newer release")));
    assertThat(checked.getMessage(), equalTo(e.getMessage()));
    assertThat(e.foundVersion(), is(99));
    assertThat(e.expectedVersion(), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(schemaObjects(), equalTo(schemaBefore));
    assertThat(LandscapeSchema.readVersion(c), is(99));
  }

  @Test
  void migrateRefusesLandscapeTablesWithoutAVersionTableAndChangesNothing() throws SQLException {
    // What a database written by ELSPETH itself looks like to us: Landscape tables, no version.
    execute("CREATE TABLE runs (run_id VARCHAR(64) NOT NULL PRIMARY KEY)");
    execute("CREATE TABLE nodes (node_id VARCHAR(64) NOT NULL, run_id VARCHAR(64) NOT NULL)");

    SchemaVersionException e = assertThrows(SchemaVersionException.class, () -> migrate());

    assertThat(
        e.getMessage(),
        allOf(
            containsString("runs, nodes"),
            containsString("landscape_schema_history"),
            containsString("expected version 4")));
    assertThat(e.foundVersion(), is(SchemaVersionException.NO_VERSION));
    assertThat(tables(), containsInAnyOrder("runs", "nodes"));
  }

  @Test
  void migrateRefusesARecordedVersionWhoseTablesAreMissing() throws SQLException {
    migrate();
    execute("DROP TABLE preflight_results");

    SchemaVersionException e = assertThrows(SchemaVersionException.class, () -> migrate());

    assertThat(e.getMessage(), containsString("missing: preflight_results"));
    assertThat(tables(), not(hasItems("preflight_results")));
  }

  @Test
  void migrateRefusesAVersionTableWithoutAVersion() throws SQLException {
    migrate();
    execute("DELETE FROM landscape_schema_history");

    SchemaVersionException e = assertThrows(SchemaVersionException.class, this::migrate);

    assertThat(e.getMessage(), containsString("records no applied version"));
    assertThat(query("SELECT COUNT(*) FROM landscape_schema_history").get(0).get(0), is("0"));
  }

  @Test
  void migrateLeavesNoPartialSchemaWhenCreationFails() throws SQLException {
    // A foreign table whose name collides with one of our index names makes creation fail late.
    execute("CREATE TABLE ix_checkpoints_run_seq (x INTEGER)");

    SchemaVersionException e = assertThrows(SchemaVersionException.class, this::migrate);

    assertThat(e.getMessage(), containsString("rolled back"));
    // Only the history, which records the foreign table's database as "no Landscape" (0).
    assertThat(tables(), contains("ix_checkpoints_run_seq", "landscape_schema_history"));
    assertThat(LandscapeSchema.readVersion(c), is(0));
  }

  @Test
  void migrateCreatesTheSchemaBesideTablesThatAreNotLandscapeTables() throws SQLException {
    execute("CREATE TABLE unrelated (x INTEGER)");

    migrate();

    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(tables(), hasItems("unrelated", "runs", "preflight_results"));
  }

  @Test
  void readVersionIsMinusOneOnADatabaseWithoutTheVersionTable() throws SQLException {
    assertThat(LandscapeSchema.readVersion(c), is(-1));
  }

  @Test
  void terminalOutcomeIndexRejectsASecondTerminalOutcomeForOneToken() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");
    rows.outcome("out_1", "run1", "tok1", "completed", 1);

    SQLException e =
        assertThrows(SQLException.class, () -> rows.outcome("out_2", "run1", "tok1", "failed", 1));

    assertThat(e.getMessage(), containsString("UNIQUE constraint failed: token_outcomes.token_id"));
  }

  @Test
  void terminalOutcomeIndexAcceptsSeveralBufferedOutcomesBesideOneTerminalOutcome()
      throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");
    rows.token("run1", "tok2");

    rows.outcome("out_1", "run1", "tok1", "buffered", 0);
    rows.outcome("out_2", "run1", "tok1", "buffered", 0);
    rows.outcome("out_3", "run1", "tok1", "buffered", 0);
    rows.outcome("out_4", "run1", "tok1", "consumed_in_batch", 1);
    rows.outcome("out_5", "run1", "tok2", "completed", 1);

    assertThat(
        query("SELECT token_id, COUNT(*) FROM token_outcomes GROUP BY token_id ORDER BY token_id"),
        contains(List.of("tok1", "4"), List.of("tok2", "1")));
  }

  @Test
  void isTerminalAcceptsOnlyZeroOrOne() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");

    SQLException e =
        assertThrows(
            SQLException.class, () -> rows.outcome("out_1", "run1", "tok1", "completed", 2));

    assertThat(e.getMessage(), containsString("ck_token_outcomes_is_terminal"));
  }

  @Test
  void callsHasParentRejectsACallWithBothParents() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");
    rows.nodeState("run1", "tok1", "state1");
    rows.operation("run1", "op_1");

    SQLException e =
        assertThrows(SQLException.class, () -> rows.call("call1", "state1", "op_1", 0));

    assertThat(e.getMessage(), containsString("calls_has_parent"));
  }

  @Test
  void callsHasParentRejectsACallWithNeitherParent() throws SQLException {
    migrate();

    SQLException e = assertThrows(SQLException.class, () -> rows.call("call1", null, null, 0));

    assertThat(e.getMessage(), containsString("calls_has_parent"));
  }

  @Test
  void callIndexIsUniquePerStateAndPerOperationButNotAcrossThem() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");
    rows.nodeState("run1", "tok1", "state1");
    rows.operation("run1", "op_1");
    rows.call("call_state_0", "state1", null, 0);
    rows.call("call_op_0", null, "op_1", 0);

    SQLException stateDuplicate =
        assertThrows(SQLException.class, () -> rows.call("call_state_0b", "state1", null, 0));
    SQLException operationDuplicate =
        assertThrows(SQLException.class, () -> rows.call("call_op_0b", null, "op_1", 0));

    assertThat(stateDuplicate.getMessage(), containsString("calls.state_id, calls.call_index"));
    assertThat(
        operationDuplicate.getMessage(), containsString("calls.operation_id, calls.call_index"));
  }

  @Test
  void aTransformErrorMustNameANodeOfItsRun() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");

    // Foreign keys to runs, nodes and edges (written before rows flow) are declared; those
    // between records committed by independent bundles are checked at run end instead.
    SQLException e =
        assertThrows(
            SQLException.class,
            () ->
                execute(
                    "INSERT INTO transform_errors (error_id, run_id, token_id, transform_id, row_hash,"
                        + " destination, created_at) VALUES ('terr_1', 'run1', 'tok1', 'no_such_node', 'h',"
                        + " 'discard', '2026-01-01 00:00:00')"));

    assertThat(e.getMessage(), containsString("FOREIGN KEY constraint failed"));
  }

  @Test
  void preflightResultTypeIsLimitedToTheThreeKnownTypes() throws SQLException {
    migrate();
    rows.runWithToken("run1", "tok1");
    rows.preflight("pf1", "run1", "dependency_run");
    rows.preflight("pf2", "run1", "commencement_gate");
    rows.preflight("pf3", "run1", "readiness_check");

    SQLException e =
        assertThrows(SQLException.class, () -> rows.preflight("pf4", "run1", "smoke_test"));

    assertThat(e.getMessage(), containsString("ck_preflight_result_type"));
  }

  @Test
  void everyForeignKeyReferencesAPrimaryOrUniqueKey() throws SQLException {
    migrate();

    // SQLite reports a foreign key without a unique parent key ("foreign key mismatch") only
    // when the key is used; foreign_key_check uses all of them.
    assertThat(query("PRAGMA foreign_key_check"), empty());
    assertThat(
        query("SELECT COUNT(*) FROM pragma_foreign_key_list('transform_errors')").get(0).get(0),
        is("4"));
  }

  @Test
  void noTableCarriesAContentHashColumnExceptTheSpecsArtifacts() throws SQLException {
    migrate();

    List<String> tablesWithContentHash = new ArrayList<>();
    for (String table : tables()) {
      for (List<String> column : query("PRAGMA table_info(" + table + ")")) {
        if (column.get(1).equals("content_hash")) {
          tablesWithContentHash.add(table);
        }
      }
    }
    assertThat(tablesWithContentHash, contains("artifacts"));
  }

  private int migrate() throws SQLException {
    return LandscapeSchema.apply(dataSource, SchemaAccess.MIGRATE);
  }

  private int check() throws SQLException {
    return LandscapeSchema.apply(dataSource, SchemaAccess.CHECK);
  }

  private List<String> tables() throws SQLException {
    return query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").stream()
        .map(r -> r.get(0))
        .toList();
  }

  private List<List<String>> schemaObjects() throws SQLException {
    return query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
  }

  private String indexSql(String name) throws SQLException {
    return query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '" + name + "'")
        .get(0)
        .get(0);
  }

  private String columnType(String table, String column) throws SQLException {
    for (List<String> row : query("PRAGMA table_info(" + table + ")")) {
      if (row.get(1).equals(column)) {
        return row.get(2);
      }
    }
    throw new AssertionError("no column " + table + "." + column);
  }

  private void execute(String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private List<List<String>> query(String sql) throws SQLException {
    return SqlRows.query(c, sql);
  }
}
