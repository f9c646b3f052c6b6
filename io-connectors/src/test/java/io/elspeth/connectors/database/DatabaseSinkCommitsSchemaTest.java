package io.elspeth.connectors.database;

import static io.elspeth.connectors.database.DatabaseSinkWriterTest.map;
import static io.elspeth.connectors.database.DatabaseSinkWriterTest.writer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a publication committed is answered from the commits table of the sink's own schema: on a
 * PostgreSQL database where another schema holds an {@code elspeth_sink_commits} table (another
 * sink's), a sink whose schema has none yet answers "not published" instead of failing.
 */
class DatabaseSinkCommitsSchemaTest {
  private String other;
  private String own;

  @BeforeEach
  void createSchemas() throws Exception {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    other = "commits_other_" + id;
    own = "commits_own_" + id;
    try (Connection c = TestPostgres.get().connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + other);
      s.execute("CREATE SCHEMA " + own);
    }
    // Another sink publishes into the other schema: its commits table is made there.
    SinkWriter another = writer(new String[] {TestPostgres.get().url(), other + ".items"});
    another.write(List.of(map("id", 1L)), new OperationCalls("r", "op"), publisher("other-1"));
    assertThat(another.published("other-1").orElseThrow(), is(true));
  }

  @AfterEach
  void dropSchemas() throws SQLException {
    try (Connection c = TestPostgres.get().connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + other + " CASCADE");
      s.execute("DROP SCHEMA IF EXISTS " + own + " CASCADE");
    }
  }

  private static SinkWriter.Publisher publisher(String id) {
    return new SinkWriter.Publisher() {
      @Override
      public String publicationId() {
        return id;
      }

      @Override
      public void beforePublish(SinkWriter.Staging staging) {
        // A one-step writer publishes in its transaction; nothing to record here.
      }
    };
  }

  @Test
  void aSchemaQualifiedTableIsCheckedInItsOwnSchema() throws Exception {
    SinkWriter w = writer(new String[] {TestPostgres.get().url(), own + ".items"});
    assertThat(w.published("other-1").orElseThrow(), is(false));
    w.write(List.of(map("id", 2L)), new OperationCalls("r", "op"), publisher("own-1"));
    assertThat(w.published("own-1").orElseThrow(), is(true));
    assertThat(
        "the other schema's publication is not this sink's",
        w.published("other-1").orElseThrow(),
        is(false));
  }

  @Test
  void anUnqualifiedTableIsCheckedInTheConnectionsCurrentSchema() throws Exception {
    SinkWriter w =
        writer(new String[] {TestPostgres.get().url() + "?currentSchema=" + own, "items"});
    assertThat(w.published("other-1").orElseThrow(), is(false));
    w.write(List.of(map("id", 2L)), new OperationCalls("r", "op"), publisher("own-1"));
    assertThat(w.published("own-1").orElseThrow(), is(true));
  }

  @Test
  void aFreshSqliteDatabaseHasPublishedNothing(@TempDir Path dir) throws Exception {
    SinkWriter w = writer(new String[] {"sqlite:///" + dir.resolve("sink.db"), "items"});
    assertThat(w.published("none").orElseThrow(), is(false));
    w.write(List.of(map("id", 1L)), new OperationCalls("r", "op"), publisher("sqlite-1"));
    assertThat(w.published("sqlite-1").orElseThrow(), is(true));
  }
}
