package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.database.DatabaseSinkWriter;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkWriteTest {

  private static final String RUN = "run-1";
  private static final String SINK_NODE = "sink-node";
  private static final String SINK_NAME = "out";
  private static final int STEP = 3;
  private static final StepContext CONTEXT =
      new StepContext(RUN, SINK_NODE, SINK_NAME, STEP, Map.of(), null);

  @TempDir Path dir;

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static Token token(long index, String outcome) {
    return Token.fromSource("row-" + index, index, row("id", index, "name", "n" + index))
        .routedTo(SINK_NAME, outcome, null);
  }

  private static <T> List<T> all(Iterable<?> records, Class<T> type) {
    return StreamSupport.stream(records.spliterator(), false)
        .filter(type::isInstance)
        .map(type::cast)
        .collect(Collectors.toList());
  }

  private static String sha256OfFile(String path) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of(path))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CsvSinkWriter csvWriter(String path) {
    return new CsvSinkWriter(path, ',', "utf-8", false, SchemaSpec.dynamic(), Map.of());
  }

  /** Each withX refuses a missing or meaningless argument where it is called, naming itself. */
  @Test
  void withersRefuseBadArgumentsAtTheCallAndLeaveTheOriginalAsItWas() {
    SinkWrite write = SinkWrite.to(csvWriter(dir.resolve("w.csv").toString()));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> SinkWrite.to(null)).getMessage(),
        containsString("SinkWrite.to()"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> write.withContext(null)).getMessage(),
        containsString("withContext()"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> write.withPluginName(" ")).getMessage(),
        containsString("withPluginName()"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> write.withSpillDirectory(null))
            .getMessage(),
        containsString("withSpillDirectory()"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> write.withBarrier(null)).getMessage(),
        containsString("withBarrier()"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> write.withSpillSizes(0, 1)).getMessage(),
        containsString("withSpillSizes()"));

    SinkWrite named = write.withPluginName("csv");
    assertThat(
        org.apache.beam.sdk.transforms.display.DisplayData.from(named).toString(),
        containsString("csv"));
    assertThat(
        org.apache.beam.sdk.transforms.display.DisplayData.from(write).toString(),
        containsString("CsvSinkWriter"));
    IllegalStateException noContext =
        assertThrows(
            IllegalStateException.class,
            () ->
                org.apache.beam.sdk.Pipeline.create()
                    .apply(Create.empty(TokenCoder.of()))
                    .apply(named));
    assertThat(noContext.getMessage(), is("withContext() is required"));
  }

  /** Tokens 0..2 created out of source order; token 1 was routed, the others completed. */
  private static List<Token> shuffledTokens() {
    return List.of(token(2, "completed"), token(0, "completed"), token(1, "routed"));
  }

  /**
   * A task Flink restarted after its killed attempt published (renamed) the target, in a run whose
   * sinks append: the restarted attempt must not append its rows to the killed attempt's copy of
   * them. It fails with a message that says to resume; the target is left as it was.
   */
  @Test
  void anAppendingWriteRefusesToAddToTheOutputOfALostAttemptOfItsRun() throws Throwable {
    Path target = dir.resolve("out.csv").toAbsolutePath();
    Files.writeString(target, "id,name\n0,n0\n1,n1\n2,n2\n");
    String published = sha256OfFile(target.toString());
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("audit.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      SinkPublications.record(
          store,
          new SinkPublication(
              "pub-lost",
              RUN,
              SINK_NODE,
              SINK_NAME,
              STEP,
              "file",
              target.toString(),
              dir.resolve(".out.csv1.tmp").toString(),
              dir.resolve(".out.csv.pub-lost.elspeth-manifest").toString(),
              3,
              null,
              null,
              Files.size(target),
              published,
              System.currentTimeMillis(),
              null));
    }
    CsvSinkWriter appending =
        new CsvSinkWriter(target.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of());
    Throwable failure =
        assertThrows(
            Throwable.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(Create.of(shuffledTokens()).withCoder(TokenCoder.of()))
                          .apply(SinkWrite.to(appending).withContext(CONTEXT.withLandscape(url)));
                      p.run().waitUntilFinish();
                    }));
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertThat(messages.toString(), containsString("would write its rows twice"));
    assertThat(messages.toString(), containsString("elspeth resume " + RUN));
    assertThat(
        "the target is as the lost attempt left it",
        sha256OfFile(target.toString()),
        is(published));
  }

  /**
   * The same for a one-step writer: a database sink whose killed attempt's transaction committed
   * (its marker row is in the target) must not insert the rows again when it appends.
   */
  @Test
  void anAppendingDatabaseWriteRefusesWhenALostAttemptOfItsRunCommitted() throws Throwable {
    io.elspeth.audit.jdbc.JdbcUrl target =
        io.elspeth.audit.jdbc.JdbcUrl.parse("sqlite:///" + dir.resolve("sink.db"));
    DatabaseSinkWriter appending =
        new DatabaseSinkWriter(
            target,
            "items",
            DatabaseSinkWriter.IfExists.APPEND,
            SchemaSpec.dynamic(),
            List.of(),
            100);
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(target.jdbcUrl());
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE items (id INTEGER, name TEXT)");
      st.execute("INSERT INTO items VALUES (0, 'n0'), (1, 'n1'), (2, 'n2')");
      st.execute(
          "CREATE TABLE elspeth_sink_commits (publication_id VARCHAR(64) PRIMARY KEY,"
              + " table_name VARCHAR(256))");
      st.execute("INSERT INTO elspeth_sink_commits VALUES ('pub-lost', 'items')");
    }
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("audit.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      SinkPublications.record(
          store,
          new SinkPublication(
              "pub-lost",
              RUN,
              SINK_NODE,
              SINK_NAME,
              STEP,
              "table",
              appending.target(),
              null,
              dir.resolve("pub-lost.elspeth-manifest").toString(),
              3,
              null,
              null,
              3,
              "rows-hash",
              System.currentTimeMillis(),
              null));
    }
    Throwable failure =
        assertThrows(
            Throwable.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(Create.of(shuffledTokens()).withCoder(TokenCoder.of()))
                          .apply(SinkWrite.to(appending).withContext(CONTEXT.withLandscape(url)));
                      p.run().waitUntilFinish();
                    }));
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertThat(messages.toString(), containsString("would write its rows twice"));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(target.jdbcUrl());
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM items")) {
      rs.next();
      assertThat("the table is as the lost attempt left it", rs.getInt(1), is(3));
    }
  }

  @Test
  void theFileWrittenIsReportedToBeamLineageAsASink() throws Throwable {
    String path = dir.resolve("lineage.csv").toString();
    BeamPipelines.test(
        p -> {
          p.apply(Create.of(shuffledTokens()).withCoder(TokenCoder.of()))
              .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));
          org.apache.beam.sdk.PipelineResult result = p.run();
          result.waitUntilFinish();
          assertThat(
              org.apache.beam.sdk.metrics.Lineage.query(
                  result.metrics(), org.apache.beam.sdk.metrics.Lineage.Type.SINK),
              org.hamcrest.Matchers.hasItem(
                  io.elspeth.connectors.lineage.DatasetName.file(path).fullyQualifiedName()));
        });
  }

  @Test
  void fileHoldsTheRowsInSourceOrder() throws Throwable {
    String path = dir.resolve("out.csv").toString();
    BeamPipelines.test(
        p -> {
          p.apply(Create.of(shuffledTokens()).withCoder(TokenCoder.of()))
              .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));
          p.run().waitUntilFinish();
        });

    assertThat(Files.readAllLines(Path.of(path)), contains("id,name", "0,n0", "1,n1", "2,n2"));
  }

  @Test
  void auditHoldsOneSinkWriteOperationAndOneStatePerTokenAtTheSinkStep() throws Throwable {
    String path = dir.resolve("out.csv").toString();
    List<Token> tokens = shuffledTokens();
    List<String> tokenIds = tokens.stream().map(Token::tokenId).toList();
    BeamPipelines.test(
        p -> {
          PCollection<AuditRecord> audit =
              p.apply(Create.of(tokens).withCoder(TokenCoder.of()))
                  .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));

          PAssert.that(audit)
              .satisfies(
                  records -> {
                    List<OperationRecord> operations = all(records, OperationRecord.class);
                    assertThat(operations, hasSize(1));
                    assertThat(operations.get(0).operationType(), is("sink_write"));
                    assertThat(operations.get(0).nodeId(), is(SINK_NODE));
                    assertThat(operations.get(0).status(), is("completed"));

                    List<NodeStateRecord> states = all(records, NodeStateRecord.class);
                    assertThat(
                        states.stream().map(NodeStateRecord::tokenId).toList(),
                        containsInAnyOrder(tokenIds.toArray()));
                    assertThat(
                        states.stream().map(NodeStateRecord::stepIndex).toList(),
                        everyItem(is(STEP)));
                    assertThat(
                        states.stream().map(NodeStateRecord::nodeId).toList(),
                        everyItem(is(SINK_NODE)));
                    assertThat(
                        states.stream().map(NodeStateRecord::status).toList(),
                        everyItem(is("completed")));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void artifactIsProducedByOneOfTheSinkStatesAndHashesTheFile() throws Throwable {
    String path = dir.resolve("out.csv").toString();
    BeamPipelines.test(
        p -> {
          PCollection<AuditRecord> audit =
              p.apply(Create.of(shuffledTokens()).withCoder(TokenCoder.of()))
                  .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));

          PAssert.that(audit)
              .satisfies(
                  records -> {
                    List<ArtifactRecord> artifacts = all(records, ArtifactRecord.class);
                    assertThat(artifacts, hasSize(1));
                    ArtifactRecord artifact = artifacts.get(0);
                    List<String> stateIds =
                        all(records, NodeStateRecord.class).stream()
                            .map(NodeStateRecord::stateId)
                            .toList();
                    assertThat(artifact.producedByStateId(), is(in(stateIds)));
                    assertThat(artifact.sinkNodeId(), is(SINK_NODE));
                    assertThat(artifact.artifactType(), is("file"));
                    assertThat(artifact.contentHash(), is(sha256OfFile(path)));
                    assertThat(artifact.sizeBytes(), is(fileSize(path)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void eachTokenGetsAnOutcomeWithItsPendingOutcomeAndTheSinkName() throws Throwable {
    String path = dir.resolve("out.csv").toString();
    List<Token> tokens = shuffledTokens();
    Map<String, String> expected =
        tokens.stream().collect(Collectors.toMap(Token::tokenId, Token::pendingOutcome));
    BeamPipelines.test(
        p -> {
          PCollection<AuditRecord> audit =
              p.apply(Create.of(tokens).withCoder(TokenCoder.of()))
                  .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));

          PAssert.that(audit)
              .satisfies(
                  records -> {
                    List<TokenOutcomeRecord> outcomes = all(records, TokenOutcomeRecord.class);
                    assertThat(outcomes, hasSize(3));
                    assertThat(
                        outcomes.stream()
                            .collect(
                                Collectors.toMap(
                                    TokenOutcomeRecord::tokenId, TokenOutcomeRecord::outcome)),
                        is(expected));
                    assertThat(
                        outcomes.stream().map(TokenOutcomeRecord::sinkName).toList(),
                        everyItem(is(SINK_NAME)));
                    assertThat(
                        outcomes.stream().map(TokenOutcomeRecord::isTerminal).toList(),
                        everyItem(is(1)));
                    assertThat(
                        outcomes.stream().map(TokenOutcomeRecord::runId).toList(),
                        everyItem(is(RUN)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void sinkWithNoTokensWritesAnEmptyFileAndRecordsOnlyTheOperation() throws Throwable {
    String path = dir.resolve("empty.csv").toString();
    BeamPipelines.test(
        p -> {
          PCollection<AuditRecord> audit =
              p.apply(Create.empty(TokenCoder.of()))
                  .apply(SinkWrite.to(csvWriter(path)).withContext(CONTEXT));

          PAssert.that(audit)
              .satisfies(
                  records -> {
                    List<AuditRecord> list = all(records, AuditRecord.class);
                    assertThat(list, hasSize(1));
                    assertThat(
                        all(list, OperationRecord.class).get(0).operationType(), is("sink_write"));
                    assertThat(all(list, ArtifactRecord.class), is(empty()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });

    assertThat(Files.exists(Path.of(path)), is(true));
    assertThat(Files.size(Path.of(path)), is(0L));
  }

  /** 1,000 tokens, shuffled, some routed: many spill files of 100 and audit parts of 300. */
  private static List<Token> manyTokens() {
    List<Token> tokens = new java.util.ArrayList<>();
    for (long i = 0; i < 1000; i++) {
      tokens.add(token(i, i % 7 == 0 ? "routed" : "completed"));
    }
    java.util.Collections.shuffle(tokens, new java.util.Random(9));
    return tokens;
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(
      value = SinkWrite.Grouping.class,
      names = {"SPILL_FILES", "TOKENS"})
  void manySpillFilesMergeIntoSourceOrderAndEveryTokenIsRecordedOnceAfterTheWrite(
      SinkWrite.Grouping grouping) throws Throwable {
    String path = dir.resolve("many.csv").toString();
    Path spill = dir.resolve("spill");
    List<Token> tokens = manyTokens();
    String firstTokenId =
        tokens.stream().filter(t -> t.rowIndex() == 0).findFirst().orElseThrow().tokenId();
    BeamPipelines.test(
        p -> {
          PCollection<AuditRecord> audit =
              p.apply(Create.of(tokens).withCoder(TokenCoder.of()))
                  .apply(
                      SinkWrite.to(csvWriter(path))
                          .withContext(CONTEXT)
                          .withSpillDirectory(spill.toString())
                          .withGrouping(grouping)
                          .withSpillSizes(100, 300));

          PAssert.that(audit)
              .satisfies(
                  records -> {
                    List<OperationRecord> operations = all(records, OperationRecord.class);
                    assertThat(operations, hasSize(1));
                    assertThat(operations.get(0).status(), is("completed"));
                    List<NodeStateRecord> states = all(records, NodeStateRecord.class);
                    assertThat(
                        states.stream().map(NodeStateRecord::tokenId).distinct().count(),
                        is(1000L));
                    assertThat(states, hasSize(1000));
                    List<TokenOutcomeRecord> outcomes = all(records, TokenOutcomeRecord.class);
                    assertThat(
                        outcomes.stream().map(TokenOutcomeRecord::tokenId).distinct().count(),
                        is(1000L));
                    assertThat(
                        outcomes.stream().filter(o -> o.outcome().equals("routed")).count(),
                        is(143L));
                    List<ArtifactRecord> artifacts = all(records, ArtifactRecord.class);
                    assertThat(artifacts, hasSize(1));
                    String firstState =
                        states.stream()
                            .filter(s -> s.tokenId().equals(firstTokenId))
                            .findFirst()
                            .orElseThrow()
                            .stateId();
                    assertThat(artifacts.get(0).producedByStateId(), is(firstState));
                    assertThat(artifacts.get(0).contentHash(), is(sha256OfFile(path)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });

    List<String> lines = Files.readAllLines(Path.of(path));
    assertThat(lines, hasSize(1001));
    assertThat(lines.get(0), is("id,name"));
    for (int i = 0; i < 1000; i++) {
      assertThat(lines.get(i + 1), is(i + ",n" + i));
    }
    assertThat(
        "scratch spill files are deleted",
        !Files.exists(spill) || Files.walk(spill).noneMatch(Files::isRegularFile),
        is(true));
  }

  @Test
  void spillFilesMergeIntoSourceOrderOnEveryPass() throws IOException {
    List<Token> tokens = manyTokens();
    List<SpillFiles.SpillFile> spills = new java.util.ArrayList<>();
    for (int from = 0; from < tokens.size(); from += 300) {
      spills.add(
          SpillFiles.write(
              dir.resolve("spills"),
              new java.util.ArrayList<>(
                  tokens.subList(from, Math.min(tokens.size(), from + 300)))));
    }
    Iterable<Token> merged = SpillFiles.merge(spills);
    for (int pass = 0; pass < 2; pass++) {
      List<Long> indexes = new java.util.ArrayList<>();
      merged.forEach(t -> indexes.add(t.rowIndex()));
      assertThat(indexes, hasSize(1000));
      for (int i = 0; i < 1000; i++) {
        assertThat(indexes.get(i), is((long) i));
      }
    }
    assertThat(spills.stream().mapToLong(SpillFiles.SpillFile::count).sum(), is(1000L));
  }

  private static long fileSize(String path) {
    try {
      return Files.size(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
