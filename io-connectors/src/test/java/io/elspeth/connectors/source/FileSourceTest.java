package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.ValidationErrorRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {

  private static final String RUN = "run-1";
  private static final String NODE = "source-node";
  private static final String QUARANTINE_EDGE = "edge-quarantine";

  /** Rows 0 and 2 are valid; row 1 has an id that is not an int. */
  private static final String CSV = "id,name\n1,alice\nx,bob\n3,carol\n";

  @TempDir Path dir;

  private static SchemaSpec strictIdName() throws IOException {
    return SchemaSpec.parse(
            new ObjectMapper()
                .readTree("{\"mode\": \"strict\", \"fields\": [\"id: int\", \"name: str\"]}"))
        .spec();
  }

  private static StepContext context(String onError) {
    return new StepContext(
        RUN,
        NODE,
        "source",
        0,
        Map.of("continue", "edge-continue", "__quarantine__", QUARANTINE_EDGE),
        onError);
  }

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static <T> List<T> all(Iterable<?> records, Class<T> type) {
    return StreamSupport.stream(records.spliterator(), false)
        .filter(type::isInstance)
        .map(type::cast)
        .collect(Collectors.toList());
  }

  private static List<Token> sorted(Iterable<Token> tokens) {
    List<Token> list = new ArrayList<>();
    tokens.forEach(list::add);
    list.sort(Token::compareBySourceOrder);
    return list;
  }

  private String csvFile(String content) throws IOException {
    Path file = dir.resolve("input.csv");
    Files.writeString(file, content);
    return file.toString();
  }

  private FileSource source(String path, String onValidationFailure) throws IOException {
    return FileSource.read()
        .from(path)
        .withReader(new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()))
        .withSchema(strictIdName())
        .withContext(context(onValidationFailure))
        .withOnValidationFailure(onValidationFailure);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"input.csv", "input.csv.gz"})
  void aFileReadInManyCheckpointedPartsNumbersRecordsAndCountsExactlyAsOneRead(String name)
      throws Throwable {
    // 1,200 rows; every 10th has a quoted newline, every 50th an invalid id (quarantined).
    // Locations are physical lines: row 1049 follows the header and 105 two-line rows.
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 0; i < 1200; i++) {
      String id = i % 50 == 49 ? "bad" + i : String.valueOf(i);
      csv.append(id).append(',').append(i % 10 == 0 ? "\"n\n" + i + "\"" : "n" + i).append('\n');
    }
    // A compressed file resumes by reading its decompressed bytes up to the offset again.
    Path file = dir.resolve(name);
    try (var raw = Files.newOutputStream(file);
        var out = name.endsWith(".gz") ? new java.util.zip.GZIPOutputStream(raw) : raw) {
      out.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String path = file.toString();
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine").withMinRecordsPerPart(300));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list, hasSize(1176));
                    for (Token t : list) {
                      long i = t.rowIndex();
                      assertThat(
                          t.data(), is(row("id", i, "name", i % 10 == 0 ? "n\n" + i : "n" + i)));
                    }
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    List<Long> indexes = sorted(tokens).stream().map(Token::rowIndex).toList();
                    assertThat(indexes, hasSize(24));
                    assertThat(indexes.get(0), is(49L));
                    assertThat(indexes.get(23), is(1199L));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<OperationRecord> loads = all(records, OperationRecord.class);
                    assertThat(loads, hasSize(1));
                    assertThat(loads.get(0).status(), is("completed"));
                    assertThat(
                        loads.get(0).outputDataHash(),
                        is(
                            io.elspeth.audit.canonical.CanonicalJson.stableHash(
                                new SourceBoundary.Counts(1176, 24, 0, 0).asOutput())));
                    List<RowRecord> rows = all(records, RowRecord.class);
                    assertThat(
                        rows.stream().map(RowRecord::rowIndex).collect(Collectors.toSet()),
                        hasSize(1200));
                    assertThat(
                        all(records, ValidationErrorRecord.class).stream()
                            .map(ValidationErrorRecord::error)
                            .filter(m -> m.startsWith("line 1156:"))
                            .count(),
                        is(1L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  /** 1,200 rows; every 10th has a quoted newline, every 50th an invalid id. */
  private String hostileCsv() throws IOException {
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 0; i < 1200; i++) {
      String id = i % 50 == 49 ? "bad" + i : String.valueOf(i);
      csv.append(id).append(',').append(i % 10 == 0 ? "\"n\n" + i + "\"" : "n" + i).append('\n');
    }
    return csvFile(csv.toString());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"quarantine", StepContext.DISCARD})
  void aFileReadInPartsNumbersRecordsAndCountsExactlyAsOneRead(String onValidationFailure)
      throws Throwable {
    // Parts of 97 records start inside runs of quoted newlines and at invalid rows; each part is
    // checkpointed too (every 30 records). The rows are the ones a read in one part gives.
    String path = hostileCsv();
    boolean discard = onValidationFailure.equals(StepContext.DISCARD);
    BeamPipelines.test(
        p -> {
          io.elspeth.plugin.ElspethPipelineOptions.of(p.getOptions()).setReadSourceInParts(true);
          PCollectionTuple out =
              p.apply(
                  source(path, onValidationFailure)
                      .withRecordsPerSplit(97)
                      .withMinRecordsPerPart(30));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list, hasSize(1176));
                    for (int k = 0; k < list.size(); k++) {
                      Token t = list.get(k);
                      // Discarded rows take no index: the k-th kept row has index k.
                      long i = discard ? k + k / 49 : t.rowIndex();
                      assertThat(t.rowIndex(), is(discard ? (long) k : i));
                      assertThat(
                          t.data(), is(row("id", i, "name", i % 10 == 0 ? "n\n" + i : "n" + i)));
                      assertThat(
                          t.rowId(), is(io.elspeth.audit.token.Ids.rowId(RUN, NODE, t.rowIndex())));
                    }
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    List<Long> indexes = sorted(tokens).stream().map(Token::rowIndex).toList();
                    assertThat(indexes, hasSize(discard ? 0 : 24));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<OperationRecord> loads = all(records, OperationRecord.class);
                    assertThat(loads, hasSize(1));
                    assertThat(loads.get(0).status(), is("completed"));
                    assertThat(loads.get(0).operationType(), is("source_load"));
                    assertThat(
                        loads.get(0).outputDataHash(),
                        is(
                            io.elspeth.audit.canonical.CanonicalJson.stableHash(
                                new SourceBoundary.Counts(
                                        1176, discard ? 0 : 24, discard ? 24 : 0, 0)
                                    .asOutput())));
                    List<RowRecord> rows = all(records, RowRecord.class);
                    assertThat(rows, hasSize(discard ? 1176 : 1200));
                    assertThat(
                        rows.stream().map(RowRecord::rowIndex).collect(Collectors.toSet()),
                        hasSize(discard ? 1176 : 1200));
                    assertThat(all(records, ValidationErrorRecord.class), hasSize(24));
                    assertThat(
                        all(records, ValidationErrorRecord.class).stream()
                            .map(ValidationErrorRecord::error)
                            .filter(m -> m.startsWith("line 1156:"))
                            .count(),
                        is(1L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aReadInPartsPacedByACommitThatIsBehindStillReadsEveryRowOnce() throws Throwable {
    String run = "run-paced-parts-" + java.util.UUID.randomUUID();
    io.elspeth.audit.commit.AuditBacklog.emitter(
            run, io.elspeth.audit.commit.AuditBacklog.Kind.SOURCE_ROWS)
        .accept(1_000_000);
    io.elspeth.audit.commit.AuditBacklog.progressed(run);
    String path = hostileCsv();
    StepContext paced =
        new StepContext(
            run,
            NODE,
            "source",
            0,
            Map.of("continue", "edge-continue", "__quarantine__", QUARANTINE_EDGE),
            "quarantine");
    BeamPipelines.test(
        p -> {
          io.elspeth.plugin.ElspethPipelineOptions options =
              io.elspeth.plugin.ElspethPipelineOptions.of(p.getOptions());
          options.setReadSourceInParts(true);
          options.setPaceSourceToCommit(true);
          PCollectionTuple out =
              p.apply(
                  source(path, "quarantine")
                      .withContext(paced)
                      .withRecordsPerSplit(250)
                      .withMinRecordsPerPart(100_000));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list, hasSize(1176));
                    assertThat(
                        list.stream().map(Token::rowIndex).collect(Collectors.toSet()),
                        hasSize(1176));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    assertThat(all(records, OperationRecord.class), hasSize(1));
                    assertThat(all(records, RowRecord.class), hasSize(1200));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aReadPacedByACommitThatIsBehindStillReadsEveryRowOnce() throws Throwable {
    // The commit of this run is "behind" by a million rows and progressing: every checkpoint
    // the DirectRunner tries (every 100 outputs) is accepted, far below the 100,000-row minimum.
    String run = "run-paced-" + java.util.UUID.randomUUID();
    io.elspeth.audit.commit.AuditBacklog.emitter(
            run, io.elspeth.audit.commit.AuditBacklog.Kind.SOURCE_ROWS)
        .accept(1_000_000);
    io.elspeth.audit.commit.AuditBacklog.progressed(run);
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 0; i < 1000; i++) {
      csv.append(i).append(",n").append(i).append('\n');
    }
    String path = csvFile(csv.toString());
    StepContext paced =
        new StepContext(
            run,
            NODE,
            "source",
            0,
            Map.of("continue", "edge-continue", "__quarantine__", QUARANTINE_EDGE),
            "quarantine");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(
                  FileSource.read()
                      .from(path)
                      .withReader(new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()))
                      .withSchema(strictIdName())
                      .withContext(paced)
                      .withOnValidationFailure("quarantine")
                      .withMinRecordsPerPart(100_000));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list, hasSize(1000));
                    for (int i = 0; i < 1000; i++) {
                      assertThat(list.get(i).rowIndex(), is((long) i));
                    }
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    assertThat(all(records, OperationRecord.class), hasSize(1));
                    assertThat(all(records, RowRecord.class), hasSize(1000));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void validRowsComeOutOnMainCoercedToTheSchema() throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine"));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list, hasSize(2));
                    assertThat(list.get(0).data(), is(row("id", 1L, "name", "alice")));
                    assertThat(list.get(0).rowIndex(), is(0L));
                    assertThat(list.get(1).data(), is(row("id", 3L, "name", "carol")));
                    assertThat(list.get(1).rowIndex(), is(2L));
                    assertThat(list.get(0).destination(), is(nullValue()));
                    assertThat(list.get(0).lastStateId(), is(notNullValue()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void theFileReadIsReportedToBeamLineageAsASource() throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          p.apply(source(path, "quarantine"));
          org.apache.beam.sdk.PipelineResult result = p.run();
          result.waitUntilFinish();
          assertThat(
              org.apache.beam.sdk.metrics.Lineage.query(
                  result.metrics(), org.apache.beam.sdk.metrics.Lineage.Type.SOURCE),
              org.hamcrest.Matchers.hasItem(
                  io.elspeth.connectors.lineage.DatasetName.file(path).fullyQualifiedName()));
        });
  }

  @Test
  void invalidRowComesOutOnRoutedToTheQuarantineSinkWithItsRawData() throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine"));

          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    List<Token> list = all(tokens, Token.class);
                    assertThat(list, hasSize(1));
                    Token bad = list.get(0);
                    assertThat(bad.destination(), is("quarantine"));
                    assertThat(bad.pendingOutcome(), is("quarantined"));
                    assertThat(bad.errorHash(), is(notNullValue()));
                    assertThat(bad.data(), is(row("id", "x", "name", "bob")));
                    assertThat(bad.rowIndex(), is(1L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void quarantineRecordsRowTokenStateForEveryRowAndOneErrorRoutingAndLoadOperation()
      throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine"));

          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<AuditRecord> list = all(records, AuditRecord.class);
                    List<RowRecord> rows = all(list, RowRecord.class);
                    List<TokenRecord> tokens = all(list, TokenRecord.class);
                    List<NodeStateRecord> states = all(list, NodeStateRecord.class);
                    List<ValidationErrorRecord> errors = all(list, ValidationErrorRecord.class);
                    List<RoutingEventRecord> routings = all(list, RoutingEventRecord.class);
                    List<OperationRecord> operations = all(list, OperationRecord.class);
                    assertThat(rows, hasSize(3));
                    assertThat(tokens, hasSize(3));
                    assertThat(states, hasSize(3));
                    assertThat(errors, hasSize(1));
                    assertThat(routings, hasSize(1));
                    assertThat(operations, hasSize(1));
                    assertThat(list, hasSize(12));

                    assertThat(
                        rows.stream().map(RowRecord::rowIndex).toList(),
                        containsInAnyOrder(0L, 1L, 2L));
                    assertThat(
                        tokens.stream().map(TokenRecord::rowId).collect(Collectors.toSet()),
                        is(rows.stream().map(RowRecord::rowId).collect(Collectors.toSet())));
                    assertThat(
                        states.stream().map(NodeStateRecord::tokenId).collect(Collectors.toSet()),
                        is(tokens.stream().map(TokenRecord::tokenId).collect(Collectors.toSet())));
                    assertThat(
                        states.stream().map(NodeStateRecord::stepIndex).toList(), everyItem(is(0)));
                    assertThat(
                        states.stream().map(NodeStateRecord::status).toList(),
                        containsInAnyOrder("completed", "completed", "failed"));

                    ValidationErrorRecord error = errors.get(0);
                    assertThat(error.destination(), is("quarantine"));
                    assertThat(error.nodeId(), is(NODE));
                    assertThat(error.schemaMode(), is("strict"));
                    assertThat(error.error(), containsString("line 3"));
                    assertThat(error.violationType(), is("type_mismatch"));

                    NodeStateRecord failed =
                        states.stream()
                            .filter(s -> s.status().equals("failed"))
                            .findFirst()
                            .orElseThrow();
                    RoutingEventRecord routing = routings.get(0);
                    assertThat(routing.mode(), is("divert"));
                    assertThat(routing.edgeId(), is(QUARANTINE_EDGE));
                    assertThat(routing.stateId(), is(failed.stateId()));

                    assertThat(operations.get(0).operationType(), is("source_load"));
                    assertThat(operations.get(0).nodeId(), is(NODE));
                    assertThat(operations.get(0).status(), is("completed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void discardRecordsOnlyTheValidationErrorForTheBadRow() throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, StepContext.DISCARD));

          PAssert.that(out.get(StepTags.ROUTED)).empty();
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<AuditRecord> list = all(records, AuditRecord.class);
                    assertThat(all(list, RowRecord.class), hasSize(2));
                    assertThat(all(list, TokenRecord.class), hasSize(2));
                    assertThat(all(list, NodeStateRecord.class), hasSize(2));
                    assertThat(
                        all(list, NodeStateRecord.class).stream()
                            .map(NodeStateRecord::status)
                            .toList(),
                        everyItem(is("completed")));
                    assertThat(all(list, RoutingEventRecord.class), is(empty()));
                    assertThat(all(list, OperationRecord.class), hasSize(1));
                    List<ValidationErrorRecord> errors = all(list, ValidationErrorRecord.class);
                    assertThat(errors, hasSize(1));
                    assertThat(errors.get(0).destination(), is("discard"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void discardKeepsRowIndexesContiguousAmongYieldedRows() throws Throwable {
    String path = csvFile("id,name\nx,bad\n1,alice\ny,bad\n2,bob\n3,carol\n");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, StepContext.DISCARD));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> list = sorted(tokens);
                    assertThat(list.stream().map(Token::rowIndex).toList(), contains(0L, 1L, 2L));
                    assertThat(
                        list.stream().map(t -> t.data().get("name")).toList(),
                        contains("alice", "bob", "carol"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    assertThat(
                        all(records, RowRecord.class).stream().map(RowRecord::rowIndex).toList(),
                        containsInAnyOrder(0L, 1L, 2L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void raggedRowIsQuarantinedWithItsRawValues() throws Throwable {
    String path = csvFile("id,name\n1,alice\n2\n");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine"));

          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    List<Token> list = all(tokens, Token.class);
                    assertThat(list, hasSize(1));
                    assertThat(list.get(0).data(), is(row("id", "2")));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<ValidationErrorRecord> errors = all(records, ValidationErrorRecord.class);
                    assertThat(errors, hasSize(1));
                    assertThat(errors.get(0).error(), containsString("expected 2 fields, got 1"));
                    assertThat(errors.get(0).violationType(), is(nullValue()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void rowIdsOfTheSourceAreDistinct() throws Throwable {
    String path = csvFile(CSV);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source(path, "quarantine"));

          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<RowRecord> rows = all(records, RowRecord.class);
                    Set<String> ids =
                        rows.stream().map(RowRecord::rowId).collect(Collectors.toSet());
                    assertThat(ids, hasSize(rows.size()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void missingReaderIsReportedBeforeThePipelineRuns() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(
                          FileSource.read()
                              .from(dir.resolve("x.csv").toString())
                              .withContext(context(StepContext.DISCARD)));
                      p.run().waitUntilFinish();
                    }));

    assertThat(e.getMessage(), containsString("withReader() is required"));
  }

  @Test
  void missingContextIsReportedBeforeThePipelineRuns() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(
                          FileSource.read()
                              .from(dir.resolve("x.csv").toString())
                              .withReader(
                                  new CsvRecordReader(
                                      ',', "utf-8", 0, List.of(), false, Map.of())));
                      p.run().waitUntilFinish();
                    }));

    assertThat(e.getMessage(), containsString("withContext() is required"));
  }
}
