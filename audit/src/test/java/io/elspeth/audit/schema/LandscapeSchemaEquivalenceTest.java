package io.elspeth.audit.schema;

import static io.elspeth.audit.schema.SqlRows.execute;
import static io.elspeth.audit.schema.SqlRows.query;
import static io.elspeth.audit.schema.SqlRows.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

/**
 * The migrations create exactly the schema the first release's hand-written DDL created (test
 * resources {@code released/}): the same tables, columns, types, nullability, defaults, primary
 * keys, unique and check constraints, foreign keys and indexes, on SQLite and on PostgreSQL. The
 * only table that differs is the version table: the first release's {@code
 * landscape_schema_version} against Flyway's {@value LandscapeSchema#VERSION_TABLE}.
 */
class LandscapeSchemaEquivalenceTest {
  private static final Set<String> VERSION_TABLES =
      Set.of(SchemaInspection.LEGACY_VERSION_TABLE, LandscapeSchema.VERSION_TABLE);

  @TempDir Path dir;

  @Test
  void sqliteMigrationsCreateTheFirstReleasedSchema() throws SQLException {
    String migrated = "jdbc:sqlite:" + dir.resolve("migrated.db");
    String released = "jdbc:sqlite:" + dir.resolve("released.db");
    SQLiteDataSource ds = new SQLiteDataSource();
    ds.setUrl(migrated);
    LandscapeSchema.apply(ds, SchemaAccess.MIGRATE);
    try (Connection c = DriverManager.getConnection(released)) {
      FirstRelease.create(c, Dialect.SQLITE);
      applyLaterSqliteChanges(c);
    }

    Map<String, List<String>> fromMigrations = sqliteSchema(migrated);
    // Version 3's change on SQLite: the foreign key ELSPETH's opener requires.
    assertThat(
        fromMigrations.get("transform_errors").stream()
            .filter(f -> f.startsWith("fk ") && f.contains("tokens"))
            .toList(),
        equalTo(
            List.of(
                "fk [1, 0, tokens, token_id, token_id, NO ACTION, RESTRICT, NONE]",
                "fk [1, 1, tokens, run_id, run_id, NO ACTION, RESTRICT, NONE]")));
    Map<String, List<String>> fromReleasedDdl = sqliteSchema(released);

    assertSameSchema(fromMigrations, fromReleasedDdl);
  }

  @Test
  void postgresqlMigrationsCreateTheFirstReleasedSchema() throws SQLException {
    String base = TestPostgres.get().jdbcUrl();
    try (Connection admin = DriverManager.getConnection(base)) {
      String migrated = "m_" + UUID.randomUUID().toString().replace("-", "");
      String released = "r_" + UUID.randomUUID().toString().replace("-", "");
      execute(admin, "CREATE SCHEMA " + migrated);
      execute(admin, "CREATE SCHEMA " + released);
      try {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(base + "&currentSchema=" + migrated);
        LandscapeSchema.apply(ds, SchemaAccess.MIGRATE);
        try (Connection c = DriverManager.getConnection(base + "&currentSchema=" + released)) {
          FirstRelease.create(c, Dialect.POSTGRESQL);
          applyScript(c, Dialect.POSTGRESQL, RUN_AGGREGATES);
        }

        Map<String, List<String>> fromMigrations = postgresqlSchema(admin, migrated);
        Map<String, List<String>> fromReleasedDdl = postgresqlSchema(admin, released);

        assertSameSchema(fromMigrations, fromReleasedDdl);
      } finally {
        execute(admin, "DROP SCHEMA " + migrated + " CASCADE");
        execute(admin, "DROP SCHEMA " + released + " CASCADE");
      }
    }
  }

  @Test
  void theFirstMigrationAloneIsTheFirstReleasedLandscapeTables() throws SQLException {
    // Version 1 is exactly the hand-written v1 DDL (its 20 tables, no extension tables).
    String migrated = "jdbc:sqlite:" + dir.resolve("v1.db");
    try (Connection c = DriverManager.getConnection(migrated)) {
      org.flywaydb.core.Flyway.configure(getClass().getClassLoader())
          .dataSource(migrated, null, null)
          .locations(LandscapeMigrations.LOCATION)
          .table(LandscapeSchema.VERSION_TABLE)
          .placeholders(Dialect.SQLITE.placeholders())
          .target("1")
          .load()
          .migrate();
      assertThat(LandscapeSchema.readVersion(c), is(1));
    }
    String released = "jdbc:sqlite:" + dir.resolve("released-v1.db");
    try (Connection c = DriverManager.getConnection(released);
        Statement s = c.createStatement()) {
      for (String ddl : DdlScript.load(DdlScript.firstReleased(Dialect.SQLITE))) {
        s.execute(ddl);
      }
    }

    assertThat(sqliteSchema(migrated), equalTo(sqliteSchema(released)));
  }

  /** Version 4: the run aggregates table, the same on both dialects. */
  private static final String RUN_AGGREGATES =
      "/io/elspeth/audit/schema/migration/V4__run_aggregates.sql";

  /**
   * The expected schema's changes since the first release on SQLite, as statements on a
   * first-release Landscape: version 3 (transform_errors copied into a table with the foreign key
   * to tokens that ELSPETH's opener requires) and version 4 (the run aggregates table). Version 2
   * created the extension tables the first release already had; on PostgreSQL version 3 changes no
   * structure.
   */
  private static void applyLaterSqliteChanges(Connection c) throws SQLException {
    applyScript(
        c,
        Dialect.SQLITE,
        "/io/elspeth/audit/schema/migration-sqlite/V3__transform_errors_token_fk.sql");
    applyScript(c, Dialect.SQLITE, RUN_AGGREGATES);
  }

  private static void applyScript(Connection c, Dialect dialect, String name) throws SQLException {
    try (java.io.InputStream in = LandscapeSchemaEquivalenceTest.class.getResourceAsStream(name);
        Statement s = c.createStatement()) {
      String script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      for (Map.Entry<String, String> p : dialect.placeholders().entrySet()) {
        script = script.replace("${" + p.getKey() + "}", p.getValue());
      }
      for (String ddl : DdlScript.split(script, name)) {
        s.execute(ddl);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Per table: columns, foreign keys, indexes with their columns, and the table's constraints. */
  private static Map<String, List<String>> sqliteSchema(String url) throws SQLException {
    Map<String, List<String>> schema = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url)) {
      for (List<String> table :
          query(c, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
        String name = table.get(0);
        if (VERSION_TABLES.contains(name)) {
          continue;
        }
        List<String> facts = new ArrayList<>();
        // cid, name, type, notnull, dflt_value, pk, hidden
        query(c, "PRAGMA table_xinfo(" + name + ")").forEach(r -> facts.add("column " + r));
        query(c, "PRAGMA foreign_key_list(" + name + ")").forEach(r -> facts.add("fk " + r));
        for (List<String> index : query(c, "PRAGMA index_list(" + name + ")")) {
          // seq, name, unique, origin (c: CREATE INDEX, u: UNIQUE, pk), partial
          facts.add(
              "index "
                  + index.subList(1, index.size())
                  + query(c, "PRAGMA index_xinfo(" + index.get(1) + ")")
                  + normalise(
                      String.valueOf(
                          query(
                              c,
                              "SELECT sql FROM sqlite_master WHERE name = '"
                                  + index.get(1)
                                  + "'"))));
        }
        // The CHECK constraints live only in the CREATE TABLE text: compare it without comments
        // and layout.
        facts.add("sql " + normalise(table.get(1)));
        schema.put(name, facts);
      }
    }
    return schema;
  }

  /** Per table: columns, constraints (primary, unique, check, foreign) and index definitions. */
  private static Map<String, List<String>> postgresqlSchema(Connection admin, String schemaName)
      throws SQLException {
    Map<String, List<String>> schema = new TreeMap<>();
    for (List<String> table :
        query(
            admin,
            "SELECT tablename FROM pg_tables WHERE schemaname = '"
                + schemaName
                + "' ORDER BY tablename")) {
      String name = table.get(0);
      if (VERSION_TABLES.contains(name)) {
        continue;
      }
      List<String> facts = new ArrayList<>();
      try (PreparedStatement ps =
          admin.prepareStatement(
              "SELECT ordinal_position, column_name,"
                  + " data_type, character_maximum_length, numeric_precision, is_nullable, column_default"
                  + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
                  + " ORDER BY ordinal_position")) {
        ps.setString(1, schemaName);
        ps.setString(2, name);
        rows(ps.executeQuery()).forEach(r -> facts.add("column " + r));
      }
      try (PreparedStatement ps =
          admin.prepareStatement(
              "SELECT con.conname, con.contype,"
                  + " pg_get_constraintdef(con.oid) FROM pg_constraint con"
                  + " JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
                  + " WHERE n.nspname = ? AND t.relname = ? ORDER BY con.contype, con.conname")) {
        ps.setString(1, schemaName);
        ps.setString(2, name);
        rows(ps.executeQuery())
            .forEach(
                r ->
                    facts.add("constraint " + r.toString().replace(schemaName + ".", "<schema>.")));
      }
      try (PreparedStatement ps =
          admin.prepareStatement(
              "SELECT indexname, indexdef FROM"
                  + " pg_indexes WHERE schemaname = ? AND tablename = ? ORDER BY indexname")) {
        ps.setString(1, schemaName);
        ps.setString(2, name);
        rows(ps.executeQuery())
            .forEach(
                r -> facts.add("index " + r.toString().replace(schemaName + ".", "<schema>.")));
      }
      schema.put(name, facts);
    }
    return schema;
  }

  private static void assertSameSchema(
      Map<String, List<String>> fromMigrations, Map<String, List<String>> fromReleasedDdl) {
    assertThat(fromMigrations.keySet(), hasSize(20 + ExtensionTables.names().size()));
    assertThat(fromMigrations.keySet(), equalTo(fromReleasedDdl.keySet()));
    for (String table : fromMigrations.keySet()) {
      List<String> migrated = fromMigrations.get(table);
      List<String> released = fromReleasedDdl.get(table);
      for (int i = 0; i < Math.max(migrated.size(), released.size()); i++) {
        assertThat(
            table + " fact " + i,
            i < migrated.size() ? migrated.get(i) : null,
            equalTo(i < released.size() ? released.get(i) : null));
      }
    }
  }

  private static String normalise(String sql) {
    return sql.replaceAll("--[^\n]*", " ")
        .replaceAll("\\s+", " ")
        .replaceAll("\\( ", "(")
        .replaceAll(" \\)", ")")
        .trim();
  }
}
