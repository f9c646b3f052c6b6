package io.elspeth.audit.commit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasEntry;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import io.elspeth.testkit.BeamPipelines;
import java.time.Duration;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.values.TypeDescriptor;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Telemetry is emitted for the records of a committed transaction, and only for those. */
class LandscapeCommitTelemetryTest {
  @TempDir
  Path dir;

  private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private LandscapeUrl prepared() {
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(List.of(
          new RunRecord("run1", now, null, "h", "{}", null, "v", null, null, "running"),
          new NodeRecord("src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null,
              null),
          new NodeRecord("tx", "run1", "passthrough", "transform", "1", "deterministic", "h",
              "{}", now, null, null),
          new NodeRecord("out", "run1", "csv", "sink", "1", "io_write", "h", "{}", now, null,
              null)));
    }
    return url;
  }

  private static TelemetrySettings settings(OtlpReceiver receiver) {
    return new TelemetrySettings(true, Granularity.FULL, BackpressureMode.BLOCK, false, 10,
        List.of(new ExporterSettings("otlp", Map.of("endpoint", receiver.httpEndpoint(),
            "protocol", "http/protobuf"))));
  }

  /**
   * Runs the commit over one step's records as a single element's output (one bundle), holding
   * the run's manager as the launcher does, and flushes it before returning.
   */
  private void commit(LandscapeUrl url, OtlpReceiver receiver, List<AuditRecord> records)
      throws Throwable {
    TelemetryManager manager = TelemetryManagers.acquire("run1", settings(receiver));
    try {
      BeamPipelines.test(p -> {
        p.apply(Create.of(List.of(records)).withCoder(ListCoder.of(AuditRecordCoder.of())))
            .apply(FlatMapElements.into(TypeDescriptor.of(AuditRecord.class))
                .via((List<AuditRecord> l) -> l)).setCoder(AuditRecordCoder.of())
            .apply(LandscapeCommit.to(url).withTelemetry(wiring(receiver)));
        p.run().waitUntilFinish();
      });
    } finally {
      manager.flush(Duration.ofSeconds(30));
      TelemetryManagers.release("run1");
    }
  }

  private LandscapeCommit.TelemetryWiring wiring(OtlpReceiver receiver) {
    TelemetrySettings settings = settings(receiver);
    return new LandscapeCommit.TelemetryWiring("run1", settings, Map.of(
        "src", new LandscapeCommit.NodeInfo("source", "csv", "csv"),
        "tx", new LandscapeCommit.NodeInfo("transform", "pass", "passthrough"),
        "out", new LandscapeCommit.NodeInfo("sink", "out", "csv")), Map.of());
  }

  private List<AuditRecord> oneRow(String rowHash) {
    return List.of(
        new RowRecord("row0", "run1", "src", 0, rowHash, null, now),
        new TokenRecord("tok0", "row0", "run1", null, null, null, null, null, now),
        new NodeStateRecord("st0", "tok0", "run1", "tx", 1, 0, "completed", "in", "out", null,
            2.5, null, null, now, now),
        new CallRecord("call0", "st0", null, 0, "http", "success", "rq", null, "rs", null, null,
            4.0, now),
        new TokenOutcomeRecord("out_0", "run1", "tok0", "completed", 1, now, "out", null, null,
            null, null, null, null, null));
  }

  @Test
  void aCommittedTransactionEmitsItsRowEventsAfterwards() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      commit(url, receiver, oneRow("hash0"));
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(spans.stream().map(ReceivedSpan::name).toList(), contains("RowCreated",
          "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
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
      assertThat(receiver.spans().stream().map(ReceivedSpan::name).toList(), contains(
          "RowCreated", "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
    }
  }

  @Test
  void aPartlyNewReCommitEmitsOnlyTheNewRecords() throws Throwable {
    LandscapeUrl url = prepared();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      List<AuditRecord> first = oneRow("hash0");
      commit(url, receiver, first.subList(0, 3));
      assertThat(receiver.spans().stream().map(ReceivedSpan::name).toList(), contains(
          "RowCreated", "TransformCompleted"));
      // The retry carries the committed part again plus what the first attempt had not reached.
      commit(url, receiver, first);
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(spans.stream().map(ReceivedSpan::name).toList(), contains("RowCreated",
          "TransformCompleted", "ExternalCallCompleted", "TokenCompleted"));
      // Context from the already-committed records still fills the new events.
      assertThat(spans.get(2).attributes(), hasEntry("provider", "passthrough"));
      assertThat(spans.get(3).attributes(), hasEntry("row_id", "row0"));
    }
  }

  @Test
  void aCommitThatFailsEmitsNoTelemetryForItsRecords() throws Throwable {
    LandscapeUrl url = prepared();
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(List.of(new RowRecord("row0", "run1", "src", 0, "the-first-hash", null,
          now)));
    }
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      // The same row with other content: an integrity error, the whole transaction fails.
      assertThrows(Pipeline.PipelineExecutionException.class,
          () -> commit(url, receiver, oneRow("a-different-hash")));
      assertThat(receiver.spans(), empty());
      assertThat(receiver.requests(), is(0));
    }
  }
}
