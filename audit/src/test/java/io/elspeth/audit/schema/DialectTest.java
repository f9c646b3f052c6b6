package io.elspeth.audit.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DialectTest {
  @Test
  void sqliteUrlsAreSqlite() {
    assertThat(Dialect.fromJdbcUrl("jdbc:sqlite:/tmp/audit.db"), is(Dialect.SQLITE));
    assertThat(Dialect.fromJdbcUrl("jdbc:sqlite::memory:"), is(Dialect.SQLITE));
    assertThat(Dialect.fromJdbcUrl("JDBC:SQLite:state/audit.db"), is(Dialect.SQLITE));
  }

  @Test
  void postgresqlUrlsArePostgresql() {
    assertThat(
        Dialect.fromJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
        is(Dialect.POSTGRESQL));
    assertThat(Dialect.fromJdbcUrl("jdbc:postgresql:test"), is(Dialect.POSTGRESQL));
  }

  @Test
  void otherDatabasesAreRefusedWithoutEchoingTheUrl() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Dialect.fromJdbcUrl("jdbc:mysql://db/audit?password=hunter2"));

    assertThat(
        e.getMessage(), allOf(containsString("jdbc:mysql:"), not(containsString("hunter2"))));
  }

  @Test
  void aNullUrlIsRefused() {
    assertThrows(NullPointerException.class, () -> Dialect.fromJdbcUrl(null));
  }
}
