package io.elspeth.audit.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.schema.Dialect;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LandscapeUrlTest {
  @Test
  void relativeSqlitePathsResolveAgainstTheWorkingDirectory() {
    LandscapeUrl u = LandscapeUrl.parse("sqlite:///state/audit.db");
    assertThat(u.dialect(), is(Dialect.SQLITE));
    assertThat(u.jdbcUrl(), is("jdbc:sqlite:" + Path.of("state/audit.db").toAbsolutePath()));
    assertThat(LandscapeUrl.parse("sqlite:////tmp/a.db").jdbcUrl(), is("jdbc:sqlite:/tmp/a.db"));
  }

  @Test
  void postgresUrlsKeepTheirPasswordOutOfText() {
    LandscapeUrl u = LandscapeUrl.parse("postgresql://bob:s3cret@db.example:6543/audit");
    assertThat(u.jdbcUrl(), is("jdbc:postgresql://db.example:6543/audit"));
    assertThat(u.user(), is("bob"));
    assertThat(u.password(), is("s3cret"));
    assertThat(u.toString(), not(containsString("s3cret")));
    assertThat(
        LandscapeUrl.parse("postgresql://postgres@127.0.0.1/test").jdbcUrl(),
        is("jdbc:postgresql://127.0.0.1:5432/test"));
  }

  @Test
  void anUnsupportedUrlSaysWhatWasExpectedWithoutThePassword() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LandscapeUrl.parse("mysql://u:pw@host/db"));
    assertThat(e.getMessage(), containsString("expected sqlite:///"));
    assertThat(e.getMessage(), not(containsString(":pw@")));
  }
}
