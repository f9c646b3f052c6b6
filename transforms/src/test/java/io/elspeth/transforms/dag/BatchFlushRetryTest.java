package io.elspeth.transforms.dag;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.LandscapeWriter;
import io.elspeth.audit.commit.StepTrailEvents;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.schema.SchemaAccess;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.client.CallAudit;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.transforms.step.TransformResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner re-executing the flush of one batch (a retried bundle, or Flink restoring the state from
 * before the flush) on a real SQLite Landscape with telemetry sent to the test OTLP receiver: the
 * flush's ids are derived from the flush, so the re-execution commits the records the first
 * execution committed as the same records, the Landscape holds one set of them and each event is
 * emitted once.
 */
class BatchFlushRetryTest {
  private static final String RUN = "run-retry";
  private static final String NODE = "aggregation_jobs_0123456789ab";
  private static final String NAME = "jobs";
  private static final String BATCH = "batch-1";
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  private LandscapeUrl url;
  private LandscapeStore store;
  private OtlpReceiver receiver;
  private TelemetryManager telemetry;
  private StepContext ctx;
  private List<Token> members;

  @BeforeEach
  void landscapeWithABufferedBatch() {
    url = LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db"));
    store = LandscapeStores.acquire(url, SchemaAccess.MIGRATE);
    List<AuditRecord> setup = new ArrayList<>();
    setup.add(new RunRecord(RUN, T0, null, "h", "{}", null, "v", null, null, "running"));
    setup.add(
        new NodeRecord("src", RUN, "csv", "source", "1", "io_read", "h", "{}", T0, null, null));
    setup.add(
        new NodeRecord(
            NODE, RUN, "job_batch", "aggregation", "1", "external", "h", "{}", T0, null, null));
    members = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String rowId = Ids.rowId(RUN, "src", i);
      Token t = Token.fromSource(rowId, i, Map.of("id", (long) i));
      members.add(t);
      setup.add(new RowRecord(rowId, RUN, "src", i, "hash" + i, null, T0));
      setup.add(new TokenRecord(t.tokenId(), rowId, RUN, null, null, null, null, null, T0));
    }
    store.commit(setup);
    receiver = OtlpReceiver.start();
    telemetry =
        TelemetryManagers.acquire(
            RUN,
            new TelemetrySettings(
                true,
                Granularity.FULL,
                BackpressureMode.BLOCK,
                false,
                10,
                List.of(
                    new ExporterSettings(
                        "otlp",
                        Map.of(
                            "endpoint", receiver.httpEndpoint(), "protocol", "http/protobuf")))));
    ctx =
        new StepContext(
            RUN,
            NODE,
            NAME,
            1,
            Map.of("continue", "edge-continue", "__error_jobs__", "edge-error"),
            "errors",
            url,
            null,
            null);
  }

  @AfterEach
  void close() {
    TelemetryManagers.release(RUN);
    receiver.close();
    LandscapeStores.release(url);
  }

  /**
   * A plugin that submits its rows as one job (a {@code submit} call), checkpoints the job, then
   * records one {@code llm} call per row with its answer; a run whose checkpoints hold the rows
   * polls that job instead of submitting again, as {@code azure_batch_llm} does.
   */
  static final class JobPlugin implements ExternalBatchTransform {
    final AtomicInteger submissions = new AtomicInteger();
    private final boolean crashAfterCheckpoint;

    JobPlugin(boolean crashAfterCheckpoint) {
      this.crashAfterCheckpoint = crashAfterCheckpoint;
    }

    @Override
    public List<TransformResult> process(BatchWork work) {
      List<String> ids = work.members().stream().map(Member::customId).toList();
      boolean submitted =
          work.checkpoints().stream().anyMatch(s -> ids.equals(s.get("custom_ids")));
      if (!submitted) {
        submissions.incrementAndGet();
        work.record(
            "http",
            CallAudit.SUCCESS,
            Map.of("submit", ids),
            Map.of("job", "job-1"),
            null,
            3.0,
            new CallRecord.Telemetry("fake", null, null, null, null, null));
        work.checkpoint(Map.of("job", "job-1", "custom_ids", ids));
        if (crashAfterCheckpoint) {
          throw new IllegalStateException("worker lost after the checkpoint");
        }
      }
      List<TransformResult> out = new ArrayList<>();
      for (Member m : work.members()) {
        work.record(
            "llm",
            CallAudit.SUCCESS,
            Map.of("custom_id", m.customId()),
            Map.of("answer", "ok " + m.row().get("id")),
            null,
            1.0,
            new CallRecord.Telemetry("fake", m.tokenId(), "m", "m", 1L, 2L));
        Map<String, Object> row = new LinkedHashMap<>(m.row());
        row.put("answer", "ok " + m.row().get("id"));
        out.add(TransformResult.success(row));
      }
      return out;
    }
  }

  /**
   * One execution of the flush: the plugin runs in the flush's work (its checkpoint committed by
   * the work itself), then what the flush's bundle commits is committed through the writer, as the
   * Landscape commit does: the flush's state, its calls, the batch and the members' outcomes.
   */
  private List<AuditRecord> executeFlush(JobPlugin plugin) {
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("trigger_type", AggregationTrigger.COUNT);
    context.put("buffer_size", members.size());
    context.put("batch_id", BATCH);
    List<Map<String, Object>> rows = members.stream().map(Token::data).toList();
    String inputHash = CanonicalJson.stableHash(Map.of("batch_rows", rows));
    BatchFlushWork work =
        new BatchFlushWork(ctx, BATCH, members.get(0), members, inputHash, context, T0, null);
    List<TransformResult> results = plugin.process(work);
    List<AuditRecord> bundle = new ArrayList<>();
    bundle.add(
        StepAudit.completed(
            ctx,
            work.stateId(),
            members.get(0),
            Map.of("batch_rows", rows),
            Map.of("rows", results.stream().map(r -> ((TransformResult.Success) r).row()).toList()),
            T0,
            context));
    bundle.addAll(work.recorded());
    bundle.add(
        new BatchRecord(
            BATCH,
            RUN,
            NODE,
            work.stateId(),
            "count reached 3",
            AggregationTrigger.COUNT,
            FlushIds.BATCH_ATTEMPT,
            "completed",
            T0,
            Instant.now()));
    for (Token m : members) {
      bundle.add(
          new TokenOutcomeRecord(
              Ids.terminalOutcomeId(m.tokenId()),
              RUN,
              m.tokenId(),
              "consumed_in_batch",
              1,
              Instant.now(),
              null,
              BATCH,
              null,
              null,
              null,
              null,
              null,
              null,
              m.rowId()));
    }
    return LandscapeWriter.to(store)
        .withTelemetry(telemetry, new StepTrailEvents(RUN, NAME, null, null))
        .commit(bundle);
  }

  private List<String> spans() {
    telemetry.flush(Duration.ofSeconds(30));
    return receiver.spans().stream()
        .map(s -> s.name() + " " + s.attributes().getOrDefault("call_type", "").toString())
        .sorted()
        .toList();
  }

  private long count(String sql) throws SQLException {
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static final List<String> ONE_FLUSH =
      List.of(
          "ExternalCallCompleted http",
          "ExternalCallCompleted llm",
          "ExternalCallCompleted llm",
          "ExternalCallCompleted llm",
          "TokenCompleted ",
          "TokenCompleted ",
          "TokenCompleted ");

  private void assertOneFlushRecorded() throws SQLException {
    assertThat(count("SELECT COUNT(*) FROM checkpoints"), is(1L));
    assertThat(count("SELECT COUNT(*) FROM calls WHERE call_type = 'http'"), is(1L));
    assertThat(count("SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(3L));
    // The pending part up to the checkpoint, the completed part after it.
    assertThat(
        count(
            "SELECT COUNT(*) FROM node_states WHERE status = 'pending' AND node_id = '"
                + NODE
                + "'"),
        is(1L));
    assertThat(
        count(
            "SELECT COUNT(*) FROM node_states WHERE status = 'completed' AND node_id = '"
                + NODE
                + "'"),
        is(1L));
    assertThat(count("SELECT COUNT(*) FROM batches"), is(1L));
    assertThat(count("SELECT COUNT(*) FROM token_outcomes"), is(3L));
    assertThat(spans(), equalTo(ONE_FLUSH));
  }

  @Test
  void aFlushExecutedAgainAfterItsRecordsWereCommittedCommitsNothingNewAndEmitsNothingAgain()
      throws Exception {
    JobPlugin plugin = new JobPlugin(false);
    List<AuditRecord> first = executeFlush(plugin);
    assertThat(first, hasSize(1 + 3 + 1 + 3));
    assertOneFlushRecorded();

    // The runner restores the state from before the flush and executes it again.
    List<AuditRecord> again = executeFlush(plugin);

    assertThat("the re-execution's records are the first execution's", again, empty());
    assertThat(
        "the job found in the checkpoint is not submitted again", plugin.submissions.get(), is(1));
    assertOneFlushRecorded();
    assertThat(
        count(
            "SELECT COUNT(*) FROM calls c JOIN node_states s ON s.state_id = c.state_id"
                + " WHERE c.call_type = 'llm' AND s.status = 'completed'"),
        is(3L));
  }

  @Test
  void aFlushRetriedAfterItsCheckpointCarriesOnAfterItAndRecordsEachCallOnce() throws Exception {
    assertThrows(IllegalStateException.class, () -> executeFlush(new JobPlugin(true)));
    // The checkpoint and its part were committed before the worker was lost.
    assertThat(count("SELECT COUNT(*) FROM checkpoints"), is(1L));
    assertThat(spans(), contains("ExternalCallCompleted http"));

    JobPlugin retry = new JobPlugin(false);
    List<AuditRecord> committed = executeFlush(retry);

    assertThat(retry.submissions.get(), is(0));
    assertThat(committed, hasSize(1 + 3 + 1 + 3));
    assertOneFlushRecorded();
    // And once more (the retry's bundle retried in turn): nothing new.
    assertThat(executeFlush(new JobPlugin(false)), empty());
    assertOneFlushRecorded();
  }

  @Test
  void theIdsOfAFlushAreTheSameForTheSameBatchAndDifferForAnother() {
    FlushIds ids = FlushIds.of(ctx, BATCH);
    assertThat(ids.stateId(0), equalTo(FlushIds.of(ctx, BATCH).stateId(0)));
    assertThat(ids.stateId(0).equals(ids.stateId(1)), is(false));
    assertThat(ids.stateId(0).equals(FlushIds.of(ctx, "batch-2").stateId(0)), is(false));
    assertThat(ids.stateId(0).length(), is(32));
    assertThat(
        FlushIds.callId(ids.stateId(0), 0).equals(FlushIds.callId(ids.stateId(1), 0)), is(false));
  }
}
