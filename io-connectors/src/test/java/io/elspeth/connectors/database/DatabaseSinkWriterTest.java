package io.elspeth.connectors.database;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWrite;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The database sink on SQLite and on PostgreSQL (TestPostgres, one schema per test). */
class DatabaseSinkWriterTest {
  private static final String PG = TestPostgres.get().url();

  @TempDir Path dir;
  private String pgSchema;

  @AfterEach
  void dropSchema() throws SQLException {
    if (pgSchema != null) {
      try (Connection c =
              DriverManager.getConnection(JdbcUrl.parse(PG).jdbcUrl(), "postgres", null);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + pgSchema + " CASCADE");
      }
    }
  }

  /** The database url and table for a dialect; PostgreSQL gets a schema of its own. */
  private String[] target(String dialect) throws SQLException {
    if (dialect.equals("sqlite")) {
      return new String[] {"sqlite:///" + dir.resolve("sink.db").toAbsolutePath(), "items"};
    }
    pgSchema = "sink_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(JdbcUrl.parse(PG).jdbcUrl(), "postgres", null);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + pgSchema);
    }
    return new String[] {PG, pgSchema + ".items"};
  }

  @Test
  void theTableIsNamedForBeamLineageWithoutCredentials() {
    io.elspeth.connectors.lineage.DatasetName d =
        writer(new String[] {"postgresql://alice:s3cret@db.example:5432/sales", "items"}).dataset();
    assertThat(d.system(), is("postgresql"));
    assertThat(d.segments().get(d.segments().size() - 1), is("items"));
    assertThat(
        d.fullyQualifiedName(),
        org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("s3cret")));
    assertThat(d.fullyQualifiedName(), org.hamcrest.Matchers.containsString("db.example"));
  }

  static SinkWriter writer(String[] target, Object... more) {
    Map<String, Object> raw = map("url", target[0], "table", target[1]);
    raw.putAll(map(more));
    DatabaseSinkPlugin plugin = new DatabaseSinkPlugin();
    OptionsValidator.Result r =
        OptionsValidator.validate(raw, plugin.options(), "options", Set.of());
    PluginOptions options = r.options();
    assertThat(r.problems(), hasSize(0));
    assertThat(plugin.validate(options), hasSize(0));
    return plugin.create(options);
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static List<Map<String, Object>> rows(String suffix, long... ids) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long id : ids) {
      rows.add(map("id", id, "name", "n" + id + suffix, "score", id * 1.5, "ok", id % 2 == 0));
    }
    return rows;
  }

  private static List<String> select(String[] target, String sql) throws SQLException {
    JdbcUrl url = JdbcUrl.parse(target[0]);
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql.replace("$T", target[1]))) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void appendCreatesTheTableThenAddsRowsOnEachWrite(String dialect) throws Exception {
    String[] t = target(dialect);
    writer(t).write(rows("", 1, 2, 3), new OperationCalls("r", "op1"));
    writer(t).write(rows("", 4), new OperationCalls("r", "op2"));
    assertThat(select(t, "SELECT name FROM $T ORDER BY id"), contains("n1", "n2", "n3", "n4"));
    assertThat(select(t, "SELECT score FROM $T WHERE id = 3"), contains("4.5"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void replaceDropsWhatTheTableHeld(String dialect) throws Exception {
    String[] t = target(dialect);
    writer(t).write(rows("", 1, 2, 3), new OperationCalls("r", "op1"));
    writer(t, "if_exists", "replace").write(rows("", 7), new OperationCalls("r", "op2"));
    assertThat(select(t, "SELECT id FROM $T"), contains("7"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void eachBatchIsOneSqlCallAfterTheTableIsPrepared(String dialect) throws Exception {
    String[] t = target(dialect);
    OperationCalls calls = new OperationCalls("r", "op_batches");
    writer(t, "batch_size", 2L).write(rows("", 1, 2, 3, 4, 5), calls);
    List<CallRecord> recorded = calls.calls();
    assertThat(recorded, hasSize(4));
    assertThat(recorded.stream().map(CallRecord::callType).toList(), everyItem(is("sql")));
    assertThat(recorded.stream().map(CallRecord::status).toList(), everyItem(is("success")));
    assertThat(
        recorded.stream().map(CallRecord::callId).toList(),
        contains(
            "call_op_batches_0", "call_op_batches_1", "call_op_batches_2", "call_op_batches_3"));
    assertThat(recorded.get(1).latencyMs() >= 0, is(true));
    assertThat(select(t, "SELECT COUNT(*) FROM $T"), contains("5"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void anUpsertKeyMakesARetriedWriteReplaceItsRowsInsteadOfDuplicatingThem(String dialect)
      throws Exception {
    String[] t = target(dialect);
    writer(t, "upsert_key", "id").write(rows("", 1, 2), new OperationCalls("r", "op1"));
    writer(t, "upsert_key", "id").write(rows("-again", 1, 2, 3), new OperationCalls("r", "op2"));
    assertThat(
        select(t, "SELECT name FROM $T ORDER BY id"), contains("n1-again", "n2-again", "n3-again"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aRejectedInsertIsRecordedAsAFailedCallAndFailsTheWrite(String dialect) throws Exception {
    String[] t = target(dialect);
    writer(t).write(List.of(map("id", 1L)), new OperationCalls("r", "op1"));
    OperationCalls calls = new OperationCalls("r", "op2");
    IOException e = assertThrows(IOException.class, () -> writer(t).write(rows("", 2), calls));
    assertThat(e.getMessage(), containsString("database write to table '" + t[1] + "' failed"));
    List<CallRecord> recorded = calls.calls();
    assertThat(recorded.get(recorded.size() - 1).status(), is("error"));
    assertThat(recorded.get(recorded.size() - 1).errorJson(), containsString("sql_state"));
  }

  /**
   * A bad url is reported as the sink's database URL, not the Landscape's, without its password.
   */
  @Test
  void anUnsupportedUrlIsReportedAsTheDatabaseUrl() {
    DatabaseSinkPlugin plugin = new DatabaseSinkPlugin();
    OptionsValidator.Result r =
        OptionsValidator.validate(
            map("url", "mysql://u:pw@host/db", "table", "items"),
            plugin.options(),
            "options",
            Set.of());
    assertThat(
        plugin.validate(r.options()),
        contains(
            "url: unsupported database URL 'mysql://u:***@host/db': expected sqlite:///path.db or"
                + " postgresql://user:password@host:port/database"));
  }

  @Test
  void theArtifactNamesTheDatabaseAndTableWithoutThePasswordAndHashesTheRows() throws Exception {
    String[] t = target("postgresql");
    String hostPort = TestPostgres.get().hostPort();
    String[] withPassword = {"postgresql://postgres:s3cr3t-pw@" + hostPort + "/test", t[1]};
    List<Map<String, Object>> rows = rows("", 1, 2);
    SinkWriter.Artifact a = writer(withPassword).write(rows, new OperationCalls("r", "op"));
    assertThat(a.artifactType(), is("database"));
    assertThat(a.pathOrUri(), is("postgresql://" + hostPort + "/test#" + t[1]));
    assertThat(a.contentHash(), is(CanonicalJson.stableHash(rows)));
  }

  @Test
  void schemaTypesBecomeColumnTypes() throws Exception {
    String[] t = target("postgresql");
    writer(
            t,
            "schema",
            map(
                "mode",
                "free",
                "fields",
                List.of("id: int", "when: str", "flag: bool", "x: float")))
        .write(
            List.of(
                map("id", 1L, "when", "now", "flag", true, "x", 2.0, "extra", List.of(1L, "a"))),
            new OperationCalls("r", "op"));
    assertThat(
        select(
            t,
            "SELECT data_type FROM information_schema.columns WHERE table_schema = '"
                + pgSchema
                + "' AND table_name = 'items' ORDER BY ordinal_position"),
        contains("bigint", "text", "boolean", "double precision", "text"));
    assertThat(select(t, "SELECT extra FROM $T"), contains("[1,\"a\"]"));
  }

  /** A failed write through SinkWrite leaves its failed operation and calls in the Landscape. */
  @Test
  void aFailedSinkWriteCommitsItsFailedOperationAndCallsBeforeTheRunFails() throws Exception {
    String[] t = target("sqlite");
    writer(t).write(List.of(map("id", 1L)), new OperationCalls("r", "op0"));
    LandscapeUrl landscape = LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db"));
    StepContext ctx =
        new StepContext("run-db", "sink-node", "db", 2, Map.of(), null).withLandscape(landscape);
    Token token =
        Token.fromSource("row-1", 0, map("id", 2L, "name", "x")).routedTo("db", "completed", null);
    Throwable failure =
        assertThrows(
            Throwable.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(Create.of(List.of(token)).withCoder(TokenCoder.of()))
                          .apply(SinkWrite.to(writer(t)).withContext(ctx));
                      p.run().waitUntilFinish();
                    }));
    StringBuilder messages = new StringBuilder();
    for (Throwable e = failure; e != null; e = e.getCause()) {
      messages.append(e.getMessage());
    }
    assertThat(messages.toString(), containsString("sink 'db' could not write"));
    var store = LandscapeStores.acquire(landscape);
    try (Connection c = store.connection();
        Statement s = c.createStatement()) {
      List<String> ops = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery("SELECT operation_type || ':' || status FROM operations")) {
        while (rs.next()) {
          ops.add(rs.getString(1));
        }
      }
      assertThat(ops, contains("sink_write:failed"));
      List<String> calls = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT status FROM calls ORDER BY call_index")) {
        while (rs.next()) {
          calls.add(rs.getString(1));
        }
      }
      assertThat(calls, containsInAnyOrder("success", "error"));
    } finally {
      LandscapeStores.release(landscape);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aValueItsDeclaredColumnTypeRefusesCannotBeWrittenAndTheOtherRowsAre(String dialect)
      throws Exception {
    String[] t = target(dialect);
    SinkWriter w =
        writer(
            t,
            "schema",
            map("mode", "free", "fields", List.of("id: int", "score: float", "ok: bool")));

    assertThat(w.cannotWrite(map("id", 1L, "score", 2.5, "ok", true)).isPresent(), is(false));
    assertThat(w.cannotWrite(map("id", 3.0, "score", 2L)).isPresent(), is(false));
    assertThat(
        w.cannotWrite(map("id", "7")).orElseThrow(),
        containsString("the value of field 'id' is not a whole number, which its INT column"));
    assertThat(w.cannotWrite(map("id", 1.5)).orElseThrow(), containsString("'id'"));
    assertThat(
        w.cannotWrite(map("id", 1L, "score", "high")).orElseThrow(),
        containsString("field 'score' is not a number"));
    assertThat(
        w.cannotWrite(map("id", 1L, "ok", "yes")).orElseThrow(),
        containsString("field 'ok' is not a boolean"));
    assertThat(
        w.cannotWrite(map("id", 1L, "big", java.math.BigInteger.TWO.pow(70))).orElseThrow(),
        containsString("field 'big' is a whole number beyond 64 bits"));

    // What the check lets through is written exactly.
    List<Map<String, Object>> rows =
        List.of(map("id", 1L, "score", 2.5, "ok", true), map("id", 2L, "score", 3L, "ok", false));
    rows.forEach(r -> assertThat(w.cannotWrite(r).isPresent(), is(false)));
    w.write(rows, new OperationCalls("r", "op1"));
    assertThat(select(t, "SELECT id FROM $T ORDER BY id"), contains("1", "2"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void whatTheDatabaseWouldAlterOrRefuseCannotBeWritten(String dialect) throws Exception {
    String[] t = target(dialect);
    SinkWriter w = writer(t);
    java.util.Optional<String> nul = w.cannotWrite(map("id", 1L, "name", "a\u0000b"));
    java.util.Optional<String> nan = w.cannotWrite(map("id", 1L, "score", Double.NaN));
    assertThat(
        w.cannotWrite(map("id", 1L, "", "x")).orElseThrow(),
        containsString("a field has an empty name, which cannot be a column"));
    if (dialect.equals("postgresql")) {
      assertThat(nul.orElseThrow(), containsString("field 'name' holds a NUL character"));
      assertThat(nan.isPresent(), is(false));
      // Proof that the check is needed: PostgreSQL refuses the whole write for that one row.
      assertThrows(
          IOException.class,
          () ->
              writer(t)
                  .write(
                      List.of(map("id", 1L, "name", "a\u0000b")), new OperationCalls("r", "op1")));
    } else {
      assertThat(nul.isPresent(), is(false));
      assertThat(
          nan.orElseThrow(),
          containsString("field 'score' is NaN, which SQLite stores as" + " NULL"));
    }
  }
}
