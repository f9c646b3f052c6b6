package io.elspeth.audit.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite side of {@link LandscapeDriverSettings}; the PostgreSQL side (the silence timeout) is
 * in {@link LandscapeStorePostgresqlTest}.
 */
class LandscapeDriverSettingsTest {
  @TempDir Path dir;

  @Test
  void aSqliteConnectionRunsWithTheLandscapesPragmas() throws Exception {
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")))) {
      for (Map.Entry<String, String> p : LandscapeDriverSettings.SQLITE_PRAGMAS.entrySet()) {
        // synchronous reads back as its number (NORMAL is 1).
        String expected = p.getKey().equals("synchronous") ? "1" : p.getValue();
        try (Connection c = store.connection();
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("PRAGMA " + p.getKey())) {
          rs.next();
          assertThat(p.getKey(), rs.getString(1), is(expected));
        }
      }
    }
  }
}
