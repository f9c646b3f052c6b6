package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check every row passes before any sink writes, by each {@code on_write_failure}. */
class SinkRowCheckTest {
  private static final int STEP = 4;

  @TempDir Path dir;

  private static StepContext context(String onWriteFailure) {
    return new StepContext(
        "run-1",
        "sink-node",
        "out",
        STEP,
        Map.of(SinkRowCheck.FAILSINK_EDGE, "edge-failsink"),
        onWriteFailure);
  }

  private static Token token(long index, String name) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", index);
    row.put("name", name);
    return Token.fromSource("row-" + index, index, row).routedTo("out", "completed", null);
  }

  /** Row 1 holds a euro sign, which a Latin-1 JSON sink cannot write. */
  private static List<Token> tokens() {
    return List.of(token(0, "caf\u00e9"), token(1, "5 \u20ac"), token(2, "plain"));
  }

  private JsonSinkWriter json(String name) {
    return new JsonSinkWriter(
        dir.resolve(name).toString(), JsonSinkWriter.Format.JSONL, 0, "iso-8859-1", false);
  }

  private static <T> List<T> all(Iterable<?> records, Class<T> type) {
    return StreamSupport.stream(records.spliterator(), false)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  @Test
  void discardRecordsTheFailedStateAndADivertedOutcomeAndWritesOnlyTheOtherRows() throws Throwable {
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(Create.of(tokens()).withCoder(TokenCoder.of()))
                  .apply(SinkRowCheck.of(json("o.jsonl")).withContext(context("discard")));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  ts -> {
                    assertThat(
                        StreamSupport.stream(ts.spliterator(), false)
                            .map(Token::rowIndex)
                            .sorted()
                            .toList(),
                        is(List.of(0L, 2L)));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED)).empty();
          PAssert.that(out.get(SinkRowCheck.REFUSED)).empty();
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<NodeStateRecord> states = all(records, NodeStateRecord.class);
                    assertThat(states, hasSize(1));
                    assertThat(states.get(0).status(), is("failed"));
                    assertThat(states.get(0).stepIndex(), is(STEP));
                    assertThat(states.get(0).errorJson(), containsString("SinkDiscard"));
                    assertThat(
                        states.get(0).errorJson(),
                        containsString(
                            "'name' (its name or value) cannot be encoded in ISO-8859-1"));
                    List<TokenOutcomeRecord> outcomes = all(records, TokenOutcomeRecord.class);
                    assertThat(outcomes, hasSize(1));
                    assertThat(outcomes.get(0).outcome(), is("diverted"));
                    assertThat(outcomes.get(0).sinkName(), is("__discard__"));
                    assertThat(
                        outcomes.get(0).contextJson(),
                        containsString("cannot be encoded in ISO-8859-1"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aFailureSinkReceivesTheRowWithTheReasonOverTheFailsinkEdge() throws Throwable {
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(Create.of(tokens()).withCoder(TokenCoder.of()))
                  .apply(SinkRowCheck.of(json("o.jsonl")).withContext(context("failed")));
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  ts -> {
                    List<Token> diverted = StreamSupport.stream(ts.spliterator(), false).toList();
                    assertThat(diverted, hasSize(1));
                    Token t = diverted.get(0);
                    assertThat(t.rowIndex(), is(1L));
                    assertThat(t.destination(), is("failed"));
                    assertThat(t.pendingOutcome(), is("diverted"));
                    assertThat(t.data().get("__diverted_from"), is("out"));
                    assertThat(
                        (String) t.data().get("__diversion_reason"),
                        containsString(
                            "'name' (its name or value) cannot be encoded in ISO-8859-1"));
                    // At the failure sink the row's state is one step further: no clash with this
                    // one.
                    assertThat(SinkRowCheck.stepIndex(context(null), t), is(STEP + 1));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    assertThat(all(records, TokenOutcomeRecord.class), empty());
                    List<RoutingEventRecord> routes = all(records, RoutingEventRecord.class);
                    assertThat(routes, hasSize(1));
                    assertThat(routes.get(0).edgeId(), is("edge-failsink"));
                    assertThat(routes.get(0).mode(), is("divert"));
                    assertThat(
                        all(records, NodeStateRecord.class).get(0).errorJson(),
                        containsString("SinkDiversion"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void withoutOnWriteFailureARefusedRowStopsEverySinkBeforeItWritesAnything() {
    Path other = dir.resolve("other.csv");
    Path out = dir.resolve("o.jsonl");
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      PCollectionTuple checked =
                          p.apply("tokens", Create.of(tokens()).withCoder(TokenCoder.of()))
                              .apply(SinkRowCheck.of(json("o.jsonl")).withContext(context(null)));
                      // A second sink whose rows are all fine: it must not publish either.
                      CsvSinkWriter csv =
                          new CsvSinkWriter(
                              other.toString(),
                              ',',
                              "utf-8",
                              false,
                              io.elspeth.connectors.schema.SchemaSpec.dynamic(),
                              Map.of());
                      PCollectionTuple fine =
                          p.apply(
                                  "fine",
                                  Create.of(List.of(token(5, "fine"))).withCoder(TokenCoder.of()))
                              .apply(
                                  "check-other", SinkRowCheck.of(csv).withContext(context(null)));
                      PCollectionView<SinkWriteBarrier.Verdict> barrier =
                          SinkWriteBarrier.of(
                              PCollectionList.of(checked.get(SinkRowCheck.REFUSED))
                                  .and(fine.get(SinkRowCheck.REFUSED)));
                      checked
                          .get(StepTags.MAIN)
                          .apply(
                              "write-out",
                              SinkWrite.to(json("o.jsonl"))
                                  .withContext(context(null))
                                  .withBarrier(barrier));
                      fine.get(StepTags.MAIN)
                          .apply(
                              "write-other",
                              SinkWrite.to(csv).withContext(context(null)).withBarrier(barrier));
                      p.run().waitUntilFinish();
                    }));
    String message = rootMessage(e);
    assertThat(message, containsString("sink 'out' cannot write row 1 (row_id row-1"));
    assertThat(
        message, containsString("'name' (its name or value) cannot be encoded in ISO-8859-1"));
    assertThat(message, containsString("no sink published"));
    assertThat(Files.exists(out), is(false));
    assertThat(Files.exists(other), is(false));
  }

  @Test
  void theVerdictNamesTheFirstRefusedRowInSourceOrderAndCountsThemAll() {
    SinkWriteBarrier.VerdictFn fn = new SinkWriteBarrier.VerdictFn();
    SinkWriteBarrier.Verdict v = fn.createAccumulator();
    v = fn.addInput(v, new SinkWriteBarrier.Refusal("b", "r9", 9, "t9", "late"));
    v = fn.addInput(v, new SinkWriteBarrier.Refusal("a", "r3", 3, "t3", "early"));
    SinkWriteBarrier.Verdict merged = fn.mergeAccumulators(List.of(v, fn.createAccumulator()));
    assertThat(merged.refused(), is(2L));
    assertThat(merged.first().rowIndex(), is(3L));
    assertThat(merged.message(), containsString("(2 rows could not be written)"));
    assertThat(fn.createAccumulator().first(), nullValue());
  }

  static String rootMessage(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
