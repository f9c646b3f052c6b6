package io.elspeth.audit.commit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.telemetry.manager.HealthMetrics;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Telemetry is emitted for the records of a committed transaction, and only for those. */
class LandscapeCommitTelemetryTest {
  @TempDir Path dir;

  private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private LandscapeUrl prepared() {
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(
          List.of(
              new RunRecord("run1", now, null, "h", "{}", null, "v", null, null, "running"),
              new NodeRecord(
                  "src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null, null),
              new NodeRecord(
                  "tx",
                  "run1",
                  "passthrough",
                  "transform",
                  "1",
                  "deterministic",
                  "h",
                  "{}",
                  now,
                  null,
                  null),
              new NodeRecord(
                  "out", "run1", "csv", "sink", "1", "io_write", "h", "{}", now, null, null)));
    }
    return url;
  }

  private static TelemetrySettings settings(OtlpReceiver receiver) {
    return settings(receiver, Granularity.FULL);
  }

  private static TelemetrySettings settings(OtlpReceiver receiver, Granularity granularity) {
    return new TelemetrySettings(
        true,
        granularity,
        BackpressureMode.BLOCK,
        false,
        10,
        List.of(
            new ExporterSettings(
                "otlp", Map.of("endpoint", receiver.httpEndpoint(), "protocol", "http/protobuf"))));
  }

  /**
   * Runs the commit over one step's records as a single element's output (one bundle), holding the
   * run's manager as the launcher does, and flushes it before returning.
   */
  private void commit(LandscapeUrl url, OtlpReceiver receiver, List<AuditRecord> records)
      throws Throwable {
    commit(url, wiring(receiver), records);
  }

  /** As above with this wiring; returns the manager's counters after the flush. */
  private HealthMetrics commit(
      LandscapeUrl url, LandscapeCommit.TelemetryWiring wiring, List<AuditRecord> records)
      throws Throwable {
    TelemetryManager manager = TelemetryManagers.acquire("run1", wiring.settings());
    try {
      BeamPipelines.test(
          p -> {
            p.apply(Create.of(List.of(records)).withCoder(ListCoder.of(AuditRecordCoder.of())))
                .apply(
                    FlatMapElements.into(TypeDescriptor.of(AuditRecord.class))
                        .via((List<AuditRecord> l) -> l))
                .setCoder(AuditRecordCoder.of())
                .apply(LandscapeCommit.to(url).withTelemetry(wiring));
            p.run().waitUntilFinish();
          });
      manager.flush(Duration.ofSeconds(30));
      return manager.health();
    } finally {
      manager.flush(Duration.ofSeconds(30));
      TelemetryManagers.release("run1");
    }
  }

  private LandscapeCommit.TelemetryWiring wiring(OtlpReceiver receiver) {
    return wiring(settings(receiver), null);
  }

  private LandscapeCommit.TelemetryWiring wiring(
      TelemetrySettings settings, @Nullable Path payloads) {
    return new LandscapeCommit.TelemetryWiring(
        "run1",
        settings,
        Map.of(
            "src", new LandscapeCommit.NodeInfo("source", "csv", "csv"),
            "tx", new LandscapeCommit.NodeInfo("transform", "pass", "passthrough"),
            "out", new LandscapeCommit.NodeInfo("sink", "out", "csv")),
        Map.of(),
        payloads == null ? null : payloads.toString());
  }

  private List<AuditRecord> oneRow(String rowHash) {
    return List.of(
        new RowRecord("row0", "run1", "src", 0, rowHash, null, now),
        new TokenRecord("tok0", "row0", "run1", null, null, null, null, null, now),
        new NodeStateRecord(
            "st0",
            "tok0",
            "run1",
            "tx",
            1,
            0,
            "completed",
            "in",
            "out",
            null,
            2.5,
            null,
            null,
            now,
            now),
        new CallRecord(
            "call0", "st0", null, 0, "http", "success", "rq", null, "rs", null, null, 4.0, now),
        new TokenOutcomeRecord(
            "out_0",
            "run1",
            "tok0",
            "completed",
            1,
            now,
            "out",
            null,
            null,
            null,
            null,
            null,
            null,
            null));
  }

  @Test
  void aCommittedTransactionEmitsItsRowEventsAfterwards() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      commit(url, receiver, oneRow("hash0"));
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(
          spans.stream().map(ReceivedSpan::name).toList(),
          contains("RowCreated", "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
      assertThat(spans.get(0).attributes(), hasEntry("content_hash", "hash0"));
      assertThat(spans.get(1).attributes(), hasEntry("row_id", "row0"));
      assertThat(spans.get(1).attributes(), hasEntry("plugin_name", "passthrough"));
      assertThat(spans.get(2).attributes(), hasEntry("token_id", "tok0"));
      assertThat(spans.get(2).attributes(), hasEntry("provider", "passthrough"));
      assertThat(spans.get(3).attributes(), hasEntry("sink_name", "out"));
    }
  }

  @Test
  void aRetriedBundleWhoseReCommitIsANoOpEmitsNothingAgain() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      commit(url, receiver, oneRow("hash0"));
      assertThat(receiver.spans().size(), is(4));
      // The same bundle committed again (a runner retrying it after its commit succeeded).
      commit(url, receiver, oneRow("hash0"));
      assertThat(
          receiver.spans().stream().map(ReceivedSpan::name).toList(),
          contains("RowCreated", "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
    }
  }

  @Test
  void aPartlyNewReCommitEmitsOnlyTheNewRecords() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      List<AuditRecord> first = oneRow("hash0");
      commit(url, receiver, first.subList(0, 3));
      assertThat(
          receiver.spans().stream().map(ReceivedSpan::name).toList(),
          contains("RowCreated", "TransformCompleted"));
      // The retry carries the committed part again plus what the first attempt had not reached.
      commit(url, receiver, first);
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(
          spans.stream().map(ReceivedSpan::name).toList(),
          contains("RowCreated", "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
      // Context from the already-committed records still fills the new events.
      assertThat(spans.get(2).attributes(), hasEntry("provider", "passthrough"));
      assertThat(spans.get(3).attributes(), hasEntry("row_id", "row0"));
    }
  }

  @Test
  void aCommitThatFailsEmitsNoTelemetryForItsRecords() throws Throwable {
    LandscapeUrl url = prepared();
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(List.of(new RowRecord("row0", "run1", "src", 0, "the-first-hash", null, now)));
    }
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      // The same row with other content: an integrity error, the whole transaction fails.
      assertThrows(
          Pipeline.PipelineExecutionException.class,
          () -> commit(url, receiver, oneRow("a-different-hash")));
      assertThat(receiver.spans(), empty());
      assertThat(receiver.requests(), is(0));
    }
  }

  /**
   * A row's records as the steps make them: the row carries its first token, the state and the
   * outcome their token's row, so each record's event stands on its own.
   */
  private List<AuditRecord> oneRowAsMade(String rowId, String tokenId, int i) {
    return List.of(
        new RowRecord(rowId, "run1", "src", i, "hash" + i, null, now, tokenId),
        new TokenRecord(tokenId, rowId, "run1", null, null, null, null, null, now),
        new NodeStateRecord(
            "st" + i,
            tokenId,
            "run1",
            "tx",
            1,
            0,
            "completed",
            "in",
            "out",
            null,
            2.5,
            null,
            null,
            now,
            now,
            rowId),
        new TokenOutcomeRecord(
            "out_" + i,
            "run1",
            tokenId,
            "completed",
            1,
            now,
            "out",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            rowId));
  }

  @Test
  void statesAndOutcomesCommittedBeforeTheirTokensStillCarryTheirRows() throws Throwable {
    LandscapeUrl url = prepared();
    List<AuditRecord> row = oneRowAsMade("row7", "tok7", 7);
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      // Bundles committing out of order: the state and the outcome reach the commit first, in a
      // transaction that neither holds the token nor finds it in the Landscape.
      HealthMetrics first = commit(url, wiring(receiver), row.subList(2, 4));
      assertThat(first.eventsDropped(), is(0L));
      commit(url, wiring(receiver), row.subList(0, 2));
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(
          spans.stream().map(ReceivedSpan::name).toList(),
          contains("TransformCompleted", "TokenCompleted", "RowCreated"));
      assertThat(
          spans.stream().map(sp -> sp.attributes().get("row_id")).toList(), everyItem(is("row7")));
      assertThat(
          spans.stream().map(sp -> sp.attributes().get("token_id")).toList(),
          everyItem(is("tok7")));
      assertThat(spans.get(2).attributes(), hasEntry("content_hash", "hash7"));
    }
  }

  @Test
  void anEventThatCannotBeBuiltIsCountedAsDropped() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      // Made without their token's row, and without the token in the transaction: their
      // TransformCompleted and TokenCompleted cannot be built.
      HealthMetrics h =
          commit(
              url,
              wiring(receiver),
              List.of(
                  new NodeStateRecord(
                      "st9",
                      "tok9",
                      "run1",
                      "tx",
                      1,
                      0,
                      "completed",
                      "in",
                      "out",
                      null,
                      2.5,
                      null,
                      null,
                      now,
                      now),
                  new TokenOutcomeRecord(
                      "out_9",
                      "run1",
                      "tok9",
                      "completed",
                      1,
                      now,
                      "out",
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null)));
      assertThat(h.eventsDropped(), is(2L));
      List<String> names = receiver.spans().stream().map(ReceivedSpan::name).toList();
      assertThat(names, contains("EventsDropped"));
      assertThat(receiver.spans().get(0).attributes(), hasEntry("reason", "unbuildable"));
      assertThat(receiver.spans().get(0).attributes(), hasEntry("dropped_total", 2L));
    }
  }

  @Test
  void atFullACallCarriesItsStoredPayloads() throws Throwable {
    LandscapeUrl url = prepared();
    Path payloadDir = dir.resolve("payloads");
    FilesystemPayloadStore store = FilesystemPayloadStore.at(payloadDir);
    Map<String, Object> request = new java.util.LinkedHashMap<>();
    request.put("method", "POST");
    request.put("url", "https://api.example.com/v1/score");
    request.put("headers", Map.of("authorization", "<fingerprint:3f2a>"));
    request.put("json", Map.of("text", "one two"));
    Map<String, Object> response = new java.util.LinkedHashMap<>();
    response.put("status_code", 200L);
    response.put("body", Map.of("score", 0.5));
    response.put("note", null);
    String requestRef = store.store(CanonicalJson.canonicalBytes(request));
    String responseRef = store.store(CanonicalJson.canonicalBytes(response));
    List<AuditRecord> records = new java.util.ArrayList<>(oneRowAsMade("row0", "tok0", 0));
    records.add(
        new CallRecord(
            "call0",
            "st0",
            null,
            0,
            "http",
            "success",
            CanonicalJson.stableHash(request),
            requestRef,
            CanonicalJson.stableHash(response),
            responseRef,
            null,
            4.0,
            now));
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      commit(url, wiring(settings(receiver), payloadDir), records);
      ReceivedSpan call =
          receiver.spans().stream()
              .filter(sp -> sp.name().equals("ExternalCallCompleted"))
              .findFirst()
              .orElseThrow();
      // As the spec maps a dict: a JSON string attribute, the payload as stored.
      Object sentRequest = CanonicalJson.parse((String) call.attributes().get("request_payload"));
      Object sentResponse = CanonicalJson.parse((String) call.attributes().get("response_payload"));
      assertThat(sentRequest, equalTo(request));
      assertThat(sentResponse, equalTo(response));
      assertThat(CanonicalJson.stableHash(sentRequest), is(call.attributes().get("request_hash")));
      assertThat(
          CanonicalJson.stableHash(sentResponse), is(call.attributes().get("response_hash")));
    }
  }

  @Test
  void belowFullNoCallIsEmittedAndNoPayloadRead() throws Throwable {
    LandscapeUrl url = prepared();
    Path payloadDir = dir.resolve("payloads");
    Map<String, Object> request = Map.of("url", "https://api.example.com/");
    String requestRef =
        FilesystemPayloadStore.at(payloadDir).store(CanonicalJson.canonicalBytes(request));
    List<AuditRecord> records = new java.util.ArrayList<>(oneRowAsMade("row0", "tok0", 0));
    records.add(
        new CallRecord(
            "call0",
            "st0",
            null,
            0,
            "http",
            "success",
            CanonicalJson.stableHash(request),
            requestRef,
            null,
            null,
            null,
            4.0,
            now));
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      commit(url, wiring(settings(receiver, Granularity.ROWS), payloadDir), records);
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(
          spans.stream().map(ReceivedSpan::name).toList(),
          contains("RowCreated", "TransformCompleted", "TokenCompleted"));
      assertThat(
          spans.stream().filter(sp -> sp.attributes().containsKey("request_payload")).toList(),
          empty());
    }
  }

  @Test
  void theCoderKeepsWhatRecordsCarryBeyondTheirColumns() throws Exception {
    List<AuditRecord> records = new java.util.ArrayList<>(oneRowAsMade("row0", "tok0", 0));
    records.add(
        new CallRecord(
                "call0", "st0", null, 0, "llm", "success", "rq", null, "rs", null, null, 4.0, now)
            .withTelemetry(new CallRecord.Telemetry("azure", "tok0", "gpt", "gpt-1", 3L, 1L)));
    for (AuditRecord r : records) {
      org.apache.beam.sdk.testing.CoderProperties.coderDecodeEncodeEqual(AuditRecordCoder.of(), r);
    }
    byte[] bytes =
        org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(
            AuditRecordCoder.of(), records.get(2));
    NodeStateRecord state =
        (NodeStateRecord)
            org.apache.beam.sdk.util.CoderUtils.decodeFromByteArray(AuditRecordCoder.of(), bytes);
    assertThat(state.rowId(), is("row0"));
    RowRecord row =
        (RowRecord)
            org.apache.beam.sdk.util.CoderUtils.decodeFromByteArray(
                AuditRecordCoder.of(),
                org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(
                    AuditRecordCoder.of(), records.get(0)));
    assertThat(row.tokenId(), is("tok0"));
  }
}
