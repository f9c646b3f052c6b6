package io.elspeth.audit.commit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.CheckpointRecord;
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
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer every Landscape path uses: commit first, then telemetry for exactly what that commit
 * inserted, on a real SQLite Landscape and the OTLP exporter sending to the test receiver.
 */
class LandscapeWriterTest {
  @TempDir Path dir;

  private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  /** A run with an aggregation node and one buffered row, as a batch flush finds them. */
  private LandscapeStore prepared() {
    LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
    store.commit(
        List.of(
            new RunRecord("run1", now, null, "h", "{}", null, "v", null, null, "running"),
            new NodeRecord(
                "src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null, null),
            new NodeRecord(
                "agg",
                "run1",
                "azure_batch_llm",
                "aggregation",
                "1",
                "external",
                "h",
                "{}",
                now,
                null,
                null),
            new RowRecord("row0", "run1", "src", 0, "hash0", null, now),
            new TokenRecord("tok0", "row0", "run1", null, null, null, null, null, now)));
    return store;
  }

  /** What a batch flush's checkpoint commits: its pending state, the calls, the checkpoint. */
  private List<AuditRecord> flush() {
    return List.of(
        new NodeStateRecord(
            "st0", "tok0", "run1", "agg", 1, 0, "pending", "in", null, null, 2.5, null, null, now,
            now),
        new CallRecord(
            "call0", "st0", null, 0, "llm", "success", "rq0", null, "rs0", null, null, 4.0, now),
        new CallRecord(
            "call1", "st0", null, 1, "llm", "success", "rq1", null, "rs1", null, null, 5.0, now),
        new CheckpointRecord(
            "cp0", "run1", "tok0", "agg", 1, "{\"batch_id\":\"b0\"}", null, now, "h", "h", 1));
  }

  private static TelemetrySettings settings(OtlpReceiver receiver) {
    return new TelemetrySettings(
        true,
        Granularity.FULL,
        BackpressureMode.BLOCK,
        false,
        10,
        List.of(
            new ExporterSettings(
                "otlp", Map.of("endpoint", receiver.httpEndpoint(), "protocol", "http/protobuf"))));
  }

  private static LandscapeWriter writer(LandscapeStore store, TelemetryManager manager) {
    return LandscapeWriter.to(store)
        .withTelemetry(manager, new StepTrailEvents("run1", "batch_classify", "tok0", null));
  }

  private static List<String> names(OtlpReceiver receiver) {
    return receiver.spans().stream().map(ReceivedSpan::name).toList();
  }

  @Test
  void aRetriedFlushCommittingTheSameBatchTwiceEmitsItsCallsOnce() throws Exception {
    try (LandscapeStore store = prepared();
        OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryManager manager = TelemetryManagers.acquire("run1", settings(receiver));
      try {
        List<AuditRecord> first = writer(store, manager).commit(flush());
        manager.flush(Duration.ofSeconds(30));
        assertThat(first, hasSize(4));
        assertThat(names(receiver), contains("ExternalCallCompleted", "ExternalCallCompleted"));

        // The runner retries the bundle after the first attempt's commit succeeded.
        List<AuditRecord> retried = writer(store, manager).commit(flush());
        manager.flush(Duration.ofSeconds(30));
        assertThat(retried, empty());
        List<ReceivedSpan> spans = receiver.spans();
        assertThat(
            spans.stream().map(ReceivedSpan::name).toList(),
            contains("ExternalCallCompleted", "ExternalCallCompleted"));
        assertThat(spans.get(0).attributes(), hasEntry("provider", "batch_classify"));
        assertThat(spans.get(0).attributes(), hasEntry("token_id", "tok0"));
      } finally {
        TelemetryManagers.release("run1");
      }
    }
  }

  @Test
  void aRetryThatGetsFurtherEmitsOnlyWhatItNewlyInserted() throws Exception {
    try (LandscapeStore store = prepared();
        OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryManager manager = TelemetryManagers.acquire("run1", settings(receiver));
      try {
        writer(store, manager).commit(flush().subList(0, 2));
        manager.flush(Duration.ofSeconds(30));
        assertThat(receiver.spans(), hasSize(1));

        List<AuditRecord> retried = writer(store, manager).commit(flush());
        manager.flush(Duration.ofSeconds(30));
        assertThat(
            retried.stream().map(AuditRecord::table).toList(), contains("calls", "checkpoints"));
        List<ReceivedSpan> spans = receiver.spans();
        assertThat(spans, hasSize(2));
        assertThat(spans.get(1).attributes(), hasEntry("request_hash", "rq1"));
      } finally {
        TelemetryManagers.release("run1");
      }
    }
  }

  @Test
  void aTransactionThatFailsEmitsNothingAndRunsNoHook() throws Exception {
    try (LandscapeStore store = prepared();
        OtlpReceiver receiver = OtlpReceiver.start()) {
      store.commit(List.of(flush().get(0), flush().get(1)));
      TelemetryManager manager = TelemetryManagers.acquire("run1", settings(receiver));
      List<List<AuditRecord>> hooked = new ArrayList<>();
      try {
        List<AuditRecord> conflicting = new ArrayList<>(flush());
        // call0 again with another response: the Landscape refuses the whole transaction.
        conflicting.set(
            1,
            new CallRecord(
                "call0",
                "st0",
                null,
                0,
                "llm",
                "success",
                "rq0",
                null,
                "another-response",
                null,
                null,
                4.0,
                now));
        LandscapeWriter w =
            writer(store, manager).withAfterCommit((records, inserted) -> hooked.add(inserted));
        assertThrows(RuntimeException.class, () -> w.commit(conflicting));
        manager.flush(Duration.ofSeconds(30));
        assertThat(hooked, empty());
        assertThat(receiver.spans(), empty());
        assertThat(receiver.requests(), is(0));
      } finally {
        TelemetryManagers.release("run1");
      }
    }
  }

  @Test
  void aRefusedRowsFailedOutcomeIsTelemeteredAsItsTokenCompleting() throws Exception {
    try (LandscapeStore store = prepared();
        OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryManager manager = TelemetryManagers.acquire("run1", settings(receiver));
      try {
        List<AuditRecord> refusal =
            List.of(
                new TokenOutcomeRecord(
                    "out_0", "run1", "tok0", "failed", 1, now, null, null, null, null, null, "e",
                    null, null, "row0"));
        writer(store, manager).commit(refusal);
        writer(store, manager).commit(refusal);
        manager.flush(Duration.ofSeconds(30));
        assertThat(names(receiver), contains("TokenCompleted"));
        assertThat(receiver.spans().get(0).attributes(), hasEntry("outcome", "failed"));
      } finally {
        TelemetryManagers.release("run1");
      }
    }
  }
}
