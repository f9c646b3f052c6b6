package io.elspeth.connectors.operation;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.StepContext;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperationAuditTest {
  @TempDir Path dir;

  /** Keeps what it is given. */
  static final class Recording implements TelemetryExporter {
    final List<TelemetryEvent> events = new ArrayList<>();

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public synchronized CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
      events.addAll(batch);
      return CompletableFuture.completedFuture(ExportResult.SUCCESS);
    }

    @Override
    public CompletableFuture<ExportResult> flush() {
      return CompletableFuture.completedFuture(ExportResult.SUCCESS); // keeps nothing back
    }

    @Override
    public CompletableFuture<ExportResult> shutdown() {
      return flush();
    }
  }

  @Test
  void aFailedOperationsTrailIsCommittedThenItsCallsAreTelemetered() throws Exception {
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
    Instant now = Instant.now();
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(
          List.of(
              new RunRecord("run-op", now, null, "h", "{}", null, "v", null, null, "running"),
              new NodeRecord(
                  "sink_out",
                  "run-op",
                  "azure_blob",
                  "sink",
                  "1",
                  "io_write",
                  "h",
                  "{}",
                  now,
                  null,
                  null)));
    }
    Recording exporter = new Recording();
    TelemetryManager manager =
        TelemetryManager.builder("run-op").granularity(Granularity.FULL).exporter(exporter).build();
    TelemetryManagers.acquire("run-op", () -> manager);
    try {
      StepContext ctx =
          new StepContext("run-op", "sink_out", "out", 2, Map.of(), null).withLandscape(url);
      OperationCalls calls = new OperationCalls("run-op", "op_1");
      calls.error("http", Map.of("method", "PUT"), Map.of("type", "BlobAlreadyExists"), 12.5);
      OperationRecord op =
          OperationAudit.finished(ctx, "op_1", "sink_write", now, Map.of(), null, "upload failed");
      OperationAudit.commitFailure(ctx, op, calls, new IOException("upload failed"));

      try (LandscapeStore store = LandscapeStore.open(url);
          Connection c = store.connection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT COUNT(*) FROM calls WHERE operation_id = 'op_1'"
                      + " AND status = 'error'")) {
        rs.next();
        assertThat(rs.getLong(1), is(1L));
      }
      manager.flush(Duration.ofSeconds(10));
      List<TelemetryEvent> callsSeen =
          exporter.events.stream()
              .filter(e -> e instanceof TelemetryEvent.ExternalCallCompleted)
              .toList();
      assertThat(callsSeen, hasSize(1));
      TelemetryEvent.ExternalCallCompleted e =
          (TelemetryEvent.ExternalCallCompleted) callsSeen.get(0);
      assertThat(e.operationId(), is("op_1"));
      assertThat(e.status(), is(TelemetryEvent.CallStatus.ERROR));
    } finally {
      TelemetryManagers.release("run-op");
    }
  }
}
