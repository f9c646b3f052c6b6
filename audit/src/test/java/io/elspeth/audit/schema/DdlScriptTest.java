package io.elspeth.audit.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DdlScriptTest {
  @Test
  void splitsAtSemicolonsThatEndALineAndDropsCommentLines() {
    String script =
        "-- header; with a semicolon\n"
            + "CREATE TABLE a (\n"
            + "    x INTEGER,\n"
            + "    -- inside a statement\n"
            + "    y TEXT\n"
            + ");\n"
            + "\n"
            + "CREATE INDEX ix_a ON a (x);  \n";

    assertThat(
        DdlScript.split(script, "test.sql"),
        contains("CREATE TABLE a (\n    x INTEGER,\n    y TEXT\n)", "CREATE INDEX ix_a ON a (x)"));
  }

  @Test
  void refusesASemicolonInsideAStatement() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> DdlScript.split("CREATE TABLE a (x TEXT DEFAULT ';');\n", "test.sql"));

    assertThat(e.getMessage(), containsString("test.sql line 1"));
  }

  @Test
  void refusesAnUnterminatedLastStatement() {
    assertThrows(
        IllegalStateException.class,
        () -> DdlScript.split("CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT)\n", "test.sql"));
  }

  @Test
  void bothDialectScriptsCreateTheSameTablesAndIndexesInTheSameOrder() {
    List<String> sqlite = createdObjects(Dialect.SQLITE);
    List<String> postgresql = createdObjects(Dialect.POSTGRESQL);

    assertThat(sqlite, equalTo(postgresql));
    assertThat(sqlite.size(), is(21 + ExpectedLandscape.NAMED_INDEXES.size()));
  }

  private static List<String> createdObjects(Dialect dialect) {
    Pattern created = Pattern.compile("^CREATE (?:UNIQUE )?(TABLE|INDEX) (\\w+)");
    return DdlScript.load(DdlScript.firstReleased(dialect)).stream()
        .map(
            statement -> {
              Matcher m = created.matcher(statement);
              if (!m.find()) {
                throw new AssertionError("not a CREATE TABLE or INDEX: " + statement);
              }
              return m.group(1) + " " + m.group(2);
            })
        .toList();
  }
}
