package io.elspeth.audit.jdbc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.store.LandscapeUrl;
import org.junit.jupiter.api.Test;

class JdbcUrlTest {
  @Test
  void aUserDatabaseUrlIsNamedAsOneInItsError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> JdbcUrl.parse("mysql://u:pw@host/db"));
    assertThat(e.getMessage(), startsWith("unsupported database URL 'mysql://u:"));
    assertThat(e.getMessage(), not(containsString(":pw@")));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> JdbcUrl.parse("sqlite:///"))
            .getMessage(),
        startsWith("sqlite database URL has no path"));
  }

  @Test
  void theLandscapeUrlIsTheSameAddressNamedForItsRole() {
    String url = "postgresql://bob:s3cret@db.example:6543/audit";
    assertThat(LandscapeUrl.parse(url).address(), is(JdbcUrl.parse(url)));
    assertThat(JdbcUrl.parse(url).dialect(), is(Dialect.POSTGRESQL));
    assertThat(JdbcUrl.parse(url).toString(), not(containsString("s3cret")));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> LandscapeUrl.parse("x://h/d"))
            .getMessage(),
        startsWith("unsupported Landscape URL"));
  }
}
