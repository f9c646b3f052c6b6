package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.database.DatabaseSinkWriter;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rows a database table's constraints refuse, found before any sink writes and handled by {@code
 * on_write_failure}, whatever bundles the rows came in: a key repeated in another bundle refuses
 * the later row in source order, with spill files made per bundle (the DirectRunner's way) or the
 * tokens grouped first (other runners').
 */
class SinkRowCheckOnTargetTest {
  @TempDir Path dir;

  private static StepContext context(String onWriteFailure) {
    return new StepContext(
        "run-1",
        "db-node",
        "db",
        3,
        Map.of(SinkRowCheck.FAILSINK_EDGE, "edge-failsink"),
        onWriteFailure);
  }

  private static Token token(long index, long id, String name) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", name);
    return Token.fromSource("row-" + index, index, row).routedTo("db", "completed", null);
  }

  private String url() {
    return "sqlite:///" + dir.resolve("out.db");
  }

  /** A table whose key 1 is taken and whose names are required. */
  private DatabaseSinkWriter writer() throws Exception {
    try (Connection c = DriverManager.getConnection(LandscapeUrl.parse(url()).jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
      s.execute("INSERT INTO items VALUES (1, 'taken')");
    }
    return new DatabaseSinkWriter(
        io.elspeth.audit.jdbc.JdbcUrl.parse(url()),
        "items",
        DatabaseSinkWriter.IfExists.APPEND,
        SchemaSpec.dynamic(),
        List.of(),
        2);
  }

  /**
   * Two bundles: row 1 repeats the table's key, row 4 has no name, row 5 (second bundle) repeats
   * row 2's key (first bundle), row 3 (second bundle) is repeated by nothing.
   */
  private static PCollection<Token> tokens(org.apache.beam.sdk.Pipeline p) {
    PCollection<Token> first =
        p.apply(
            "first",
            Create.of(List.of(token(0, 10, "a"), token(1, 1, "b"), token(2, 12, "c")))
                .withCoder(TokenCoder.of()));
    PCollection<Token> second =
        p.apply(
            "second",
            Create.of(List.of(token(5, 12, "f"), token(3, 13, "d"), token(4, 14, null)))
                .withCoder(TokenCoder.of()));
    return PCollectionList.of(first)
        .and(second)
        .apply(Flatten.pCollections())
        .setCoder(TokenCoder.of());
  }

  private static <T> List<T> all(Iterable<?> records, Class<T> type) {
    return StreamSupport.stream(records.spliterator(), false)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  private static List<Long> indexes(Iterable<Token> tokens) {
    return StreamSupport.stream(tokens.spliterator(), false).map(Token::rowIndex).sorted().toList();
  }

  @ParameterizedTest
  @EnumSource(
      value = SinkWrite.Grouping.class,
      names = {"SPILL_FILES", "TOKENS"})
  void discardRecordsEachRefusedRowWithTheDatabasesReason(SinkWrite.Grouping grouping)
      throws Throwable {
    DatabaseSinkWriter writer = writer();
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              tokens(p)
                  .apply(
                      SinkRowCheck.of(writer)
                          .withContext(context("discard"))
                          .withGrouping(grouping));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  ts -> {
                    assertThat(indexes(ts), is(List.of(0L, 2L, 3L)));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED)).empty();
          PAssert.that(out.get(SinkRowCheck.REFUSED)).empty();
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<TokenOutcomeRecord> outcomes = all(records, TokenOutcomeRecord.class);
                    assertThat(outcomes, hasSize(3));
                    outcomes.forEach(
                        o -> {
                          assertThat(o.outcome(), is("diverted"));
                          assertThat(o.sinkName(), is("__discard__"));
                        });
                    Map<String, String> errors = new LinkedHashMap<>();
                    for (NodeStateRecord s : all(records, NodeStateRecord.class)) {
                      assertThat(s.status(), is("failed"));
                      errors.put(s.tokenId(), s.errorJson());
                    }
                    assertThat(errors.size(), is(3));
                    String text = errors.toString();
                    assertThat(text, containsString("SinkDiscard"));
                    assertThat(text, containsString("table 'items' refused the row"));
                    assertThat(text, containsString("UNIQUE constraint failed: items.id"));
                    assertThat(text, containsString("NOT NULL constraint failed: items.name"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
    // The trial left the table as it was.
    assertThat(ids(), is(List.of(1L)));
  }

  @ParameterizedTest
  @EnumSource(
      value = SinkWrite.Grouping.class,
      names = {"SPILL_FILES", "TOKENS"})
  void aFailureSinkReceivesTheRefusedRowsWithTheReason(SinkWrite.Grouping grouping)
      throws Throwable {
    DatabaseSinkWriter writer = writer();
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              tokens(p)
                  .apply(
                      SinkRowCheck.of(writer)
                          .withContext(context("failed"))
                          .withGrouping(grouping));
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  ts -> {
                    assertThat(indexes(ts), is(List.of(1L, 4L, 5L)));
                    for (Token t : ts) {
                      assertThat(t.destination(), is("failed"));
                      assertThat(t.data().get("__diverted_from"), is("db"));
                      assertThat(
                          (String) t.data().get("__diversion_reason"),
                          containsString("table 'items' refused the row: [SQLITE_CONSTRAINT_"));
                    }
                    return null;
                  });
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  ts -> {
                    assertThat(indexes(ts), is(List.of(0L, 2L, 3L)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void withoutOnWriteFailureARefusedRowStopsEverySinkBeforeItWritesAnything() throws Exception {
    DatabaseSinkWriter writer = writer();
    Path other = dir.resolve("other.csv");
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      PCollectionTuple checked =
                          tokens(p)
                              .apply(
                                  "check-db", SinkRowCheck.of(writer).withContext(context(null)));
                      CsvSinkWriter csv =
                          new CsvSinkWriter(
                              other.toString(),
                              ',',
                              "utf-8",
                              false,
                              SchemaSpec.dynamic(),
                              Map.of());
                      PCollectionTuple fine =
                          p.apply(
                                  "fine",
                                  Create.of(List.of(token(9, 99, "fine")))
                                      .withCoder(TokenCoder.of()))
                              .apply("check-csv", SinkRowCheck.of(csv).withContext(context(null)));
                      PCollectionView<SinkWriteBarrier.Verdict> barrier =
                          SinkWriteBarrier.of(
                              PCollectionList.of(checked.get(SinkRowCheck.REFUSED))
                                  .and(fine.get(SinkRowCheck.REFUSED)));
                      checked
                          .get(StepTags.MAIN)
                          .apply(
                              "write-db",
                              SinkWrite.to(writer).withContext(context(null)).withBarrier(barrier));
                      fine.get(StepTags.MAIN)
                          .apply(
                              "write-csv",
                              SinkWrite.to(csv).withContext(context(null)).withBarrier(barrier));
                      p.run().waitUntilFinish();
                    }));
    String message = SinkRowCheckTest.rootMessage(e);
    assertThat(message, containsString("sink 'db' cannot write row 1 (row_id row-1"));
    assertThat(message, containsString("UNIQUE constraint failed: items.id"));
    assertThat(message, containsString("no sink published (3 rows could not be written)"));
    assertThat(java.nio.file.Files.exists(other), is(false));
    assertThat(ids(), is(List.of(1L)));
  }

  private List<Long> ids() throws Exception {
    try (Connection c = DriverManager.getConnection(LandscapeUrl.parse(url()).jdbcUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM items ORDER BY id")) {
      List<Long> ids = new ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
      return ids;
    }
  }
}
