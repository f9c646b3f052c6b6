package io.elspeth.testkit.postgres;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestPostgresTest {

  @Test
  void theChosenServerServesDatabaseTestToUserPostgres() throws Exception {
    TestPostgres pg = TestPostgres.get();
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_database(), current_user")) {
      rs.next();
      assertThat(rs.getString(1), is("test"));
      assertThat(rs.getString(2), is("postgres"));
    }
    assertThat(pg.url(), is("postgresql://postgres@127.0.0.1:" + pg.port() + "/test"));
  }

  /** The fresh-machine path, exercised even where a server answers on 5432 (as in CI). */
  @Test
  void embeddedModeStartsARealPostgresqlWithDatabaseTest() throws Exception {
    TestPostgres pg = TestPostgres.locate("embedded");
    assertThat(pg.embedded(), is(true));
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl() + "&currentSchema=public");
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)");
      s.execute("INSERT INTO t VALUES (1, 'x')");
      try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 1")) {
        rs.next();
        assertThat(rs.getString(1), is("x"));
      }
    }
  }

  @Test
  void anUnknownModeIsRefusedNamingTheAcceptedValues() {
    String before = System.getProperty("elspeth.test.pg");
    System.setProperty("elspeth.test.pg", "bogus");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, TestPostgres::mode);
      assertThat(e.getMessage(), containsString("auto, server or embedded, got 'bogus'"));
    } finally {
      if (before == null) {
        System.clearProperty("elspeth.test.pg");
      } else {
        System.setProperty("elspeth.test.pg", before);
      }
    }
  }
}
