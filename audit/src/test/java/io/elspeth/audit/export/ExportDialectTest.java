package io.elspeth.audit.export;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same run exported from SQLite and from PostgreSQL (TestPostgres, its own schema) gives the
 * same records, so an export's signatures do not depend on the database behind it.
 */
class ExportDialectTest {
  private static final String ADMIN = TestPostgres.get().jdbcUrl();
  private static final SigningKey KEY = SigningKey.of("k".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;

  @Test
  void sqliteAndPostgresqlExportsOfOneRunAreIdentical() throws Exception {
    String sqlite = export(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
    String schema = "export_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(ADMIN);
        Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      try {
        String postgres =
            export(LandscapeUrl.parse(TestPostgres.get().url() + "?currentSchema=" + schema));
        assertThat(postgres, is(sqlite));
      } finally {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static String export(LandscapeUrl url) throws Exception {
    try (LandscapeStore store = LandscapeStore.open(url)) {
      ExportFixture.commitRun(
          store,
          "run-d",
          "completed",
          ExportFixture.T0,
          ExportFixture.T0.plusSeconds(2),
          Arrays.asList("a".repeat(64), null),
          "b".repeat(64));
      StringWriter out = new StringWriter();
      try (Connection c = store.connection()) {
        ExportWriter.write(
            "run-d", LandscapeExporter.exportRun(c, "run-d"), out, KEY, Instant.EPOCH);
      }
      return out.toString();
    }
  }
}
