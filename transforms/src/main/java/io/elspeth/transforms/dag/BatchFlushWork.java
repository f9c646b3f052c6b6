package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.LandscapeWriter;
import io.elspeth.audit.commit.StepTrailEvents;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.CheckpointRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.client.CallAudit;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.plugin.StepContext;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ExternalBatchTransform.BatchWork} of one flush: collects the flush's calls under its
 * node state and, on {@link #checkpoint}, commits that state as {@code pending} with its calls and
 * a checkpoint straight to the Landscape (the step's outputs reach the Landscape only when the
 * bundle ends, too late for a process killed while it waits), then carries on under a new state of
 * the same batch.
 *
 * <p>Its ids are derived from the flush ({@link FlushIds}): the state of each part of the flush
 * (before the first checkpoint, between checkpoints, after the last), its calls (from the state and
 * the call index) and its checkpoints. A re-execution of the flush (a retried bundle) starts in the
 * part after the last checkpoint the Landscape holds for the batch, and re-commits what the first
 * execution committed as the same records: the Landscape inserts nothing again and no telemetry is
 * emitted again.
 */
final class BatchFlushWork implements ExternalBatchTransform.BatchWork {
  private static final Logger LOG = LoggerFactory.getLogger(BatchFlushWork.class);

  /** Version of the {@code aggregation_state_json} this step writes. */
  static final int CHECKPOINT_FORMAT = 1;

  private final StepContext ctx;
  private final String batchId;
  private final Token first;
  private final List<ExternalBatchTransform.Member> members;
  private final String inputHash;
  private final Map<String, Object> context;
  private final Instant started;
  private final @Nullable FilesystemPayloadStore store;
  private final @Nullable PayloadStore payloads;
  private final Object lock = new Object();
  private final FlushIds ids;

  /** The part of the flush now running: the checkpoints this batch has committed so far. */
  private int segment;

  private volatile String stateId;
  private final AtomicInteger nextIndex = new AtomicInteger();
  private final List<CallRecord> calls = new ArrayList<>();

  BatchFlushWork(
      StepContext ctx,
      String batchId,
      Token first,
      List<Token> tokens,
      String inputHash,
      Map<String, Object> context,
      Instant started,
      @Nullable FilesystemPayloadStore store) {
    this.ctx = ctx;
    this.batchId = batchId;
    this.first = first;
    this.members =
        tokens.stream()
            .map(t -> new ExternalBatchTransform.Member(t.tokenId(), customId(t), t.data()))
            .toList();
    this.inputHash = inputHash;
    this.context = context;
    this.started = started;
    this.store = store;
    // A batch stores two payloads per row: written without a sync each, made durable by
    // syncPayloads() before any record naming them is committed or output.
    this.payloads = store == null ? null : store.deferring();
    this.ids = FlushIds.of(ctx, batchId);
    this.segment = committedCheckpoints();
    this.stateId = ids.stateId(segment);
  }

  /**
   * How many checkpoints of this flush the Landscape holds: none for a first execution; for a
   * re-execution, those its earlier execution committed, after which it carries on.
   */
  private int committedCheckpoints() {
    LandscapeUrl url = ctx.landscape();
    if (url == null) {
      return 0;
    }
    LandscapeStore landscape = LandscapeStores.acquire(url);
    try (Connection c = landscape.connection();
        PreparedStatement ps =
            c.prepareStatement("SELECT COUNT(*) FROM checkpoints WHERE checkpoint_id = ?")) {
      int n = 0;
      while (true) {
        ps.setString(1, ids.checkpointId(n));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return n;
          }
        }
        n++;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the checkpoints of aggregation "
              + ctx.nodeName()
              + " batch "
              + batchId
              + ": "
              + e.getMessage(),
          e);
    } finally {
      LandscapeStores.release(url);
    }
  }

  /** Makes the payloads of the calls recorded so far durable. */
  void syncPayloads() {
    if (store != null) {
      store.syncDeferred();
    }
  }

  /**
   * A row's id in a batch job: its source position and its place among its row's tokens, the same
   * in a resumed run (token and row ids are not).
   */
  static String customId(Token t) {
    StringBuilder b = new StringBuilder("row-").append(t.rowIndex());
    t.order().forEach(o -> b.append('.').append(o));
    return b.toString();
  }

  String stateId() {
    return stateId;
  }

  /** The calls of the current state, in index order. */
  List<CallRecord> recorded() {
    synchronized (lock) {
      return new ArrayList<>(calls);
    }
  }

  @Override
  public List<ExternalBatchTransform.Member> members() {
    return members;
  }

  @Override
  public CallSink calls(String provider, @Nullable String tokenId) {
    return new HintedSink(new CallRecord.Telemetry(provider, tokenId, null, null, null, null));
  }

  @Override
  public CallRecord record(
      String callType,
      String status,
      Map<String, Object> request,
      @Nullable Map<String, Object> response,
      @Nullable Map<String, Object> error,
      double latencyMs,
      CallRecord.Telemetry telemetry) {
    HintedSink sink = new HintedSink(telemetry);
    return CallAudit.record(
        sink, sink.nextCallIndex(), callType, status, request, response, error, latencyMs);
  }

  /** Calls of the current state, each with the telemetry hints of whoever made it. */
  private final class HintedSink implements CallSink {
    private final CallRecord.Telemetry hints;

    HintedSink(CallRecord.Telemetry hints) {
      this.hints = hints;
    }

    @Override
    public String stateId() {
      return stateId;
    }

    @Override
    public int nextCallIndex() {
      return nextIndex.getAndIncrement();
    }

    @Override
    public String callId(int callIndex) {
      return FlushIds.callId(stateId, callIndex);
    }

    @Override
    public void record(CallRecord call) {
      synchronized (lock) {
        calls.add(call.withTelemetry(hints));
      }
    }

    @Override
    public @Nullable PayloadStore payloads() {
      return payloads;
    }

    @Override
    public io.elspeth.connectors.replay.@Nullable ReplaySource replay() {
      return ctx.replaySource();
    }
  }

  @Override
  public void checkpoint(Map<String, Object> state) {
    synchronized (lock) {
      Instant now = Instant.now();
      String checkpointId = ids.checkpointId(segment);
      Map<String, Object> pendingContext = new LinkedHashMap<>(context);
      pendingContext.put("checkpoint_id", checkpointId);
      NodeStateRecord pending =
          new NodeStateRecord(
              stateId,
              first.tokenId(),
              ctx.runId(),
              ctx.nodeId(),
              ctx.stepIndex(),
              0,
              "pending",
              inputHash,
              null,
              CanonicalJson.canonicalize(pendingContext),
              Duration.between(started, now).toNanos() / 1e6,
              null,
              null,
              started,
              now,
              first.rowId());
      Map<String, Object> aggregationState = new LinkedHashMap<>();
      aggregationState.put("batch_id", batchId);
      aggregationState.put("state", state);
      String nodeHash = CanonicalJson.sha256Hex(ctx.nodeId());
      LandscapeUrl url = ctx.landscape();
      if (url == null) {
        throw new IllegalStateException(
            "aggregation " + ctx.nodeName() + " must checkpoint but its step has no Landscape");
      }
      syncPayloads();
      LandscapeStore store = LandscapeStores.acquire(url);
      try {
        // One key per aggregation node: its flushes, and so its checkpoints, are serial.
        CheckpointRecord checkpoint =
            new CheckpointRecord(
                checkpointId,
                ctx.runId(),
                first.tokenId(),
                ctx.nodeId(),
                sequenceOf(store, checkpointId),
                CanonicalJson.canonicalize(aggregationState),
                null,
                now,
                nodeHash,
                nodeHash,
                CHECKPOINT_FORMAT);
        List<AuditRecord> records = new ArrayList<>();
        records.add(pending);
        records.addAll(calls);
        records.add(checkpoint);
        // Telemetry for the calls this commit inserted, after it: a retried flush that
        // re-commits a checkpoint already on record emits nothing again.
        LandscapeWriter.to(store)
            .withTelemetry(
                TelemetryManagers.find(ctx.runId()).orElse(null),
                new StepTrailEvents(ctx.runId(), ctx.nodeName(), first.tokenId(), payloads))
            .commit(records);
      } finally {
        LandscapeStores.release(url);
      }
      LOG.info(
          "batch checkpoint committed node={} batch_id={} checkpoint_id={} state_id={}",
          ctx.nodeName(),
          batchId,
          checkpointId,
          stateId);
      calls.clear();
      nextIndex.set(0);
      segment++;
      stateId = ids.stateId(segment);
    }
  }

  /**
   * The sequence number of checkpoint {@code checkpointId}: the one it was committed with when a
   * re-executed flush commits it again, else the run's next at this node (1, 2, ...).
   */
  private long sequenceOf(LandscapeStore store, String checkpointId) {
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT COALESCE(MAX(CASE WHEN checkpoint_id = ? THEN sequence_number END),"
                    + " MAX(sequence_number) + 1, 1)"
                    + " FROM checkpoints WHERE run_id = ? AND node_id = ?")) {
      ps.setString(1, checkpointId);
      ps.setString(2, ctx.runId());
      ps.setString(3, ctx.nodeId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot number the checkpoint of aggregation " + ctx.nodeName() + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public List<Map<String, Object>> checkpoints() {
    LandscapeUrl url = ctx.landscape();
    if (url == null) {
      return List.of();
    }
    LandscapeStore store = LandscapeStores.acquire(url);
    try (Connection c = store.connection()) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (String run : runChain(c)) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT aggregation_state_json FROM"
                    + " checkpoints WHERE run_id = ? AND node_id = ? AND aggregation_state_json IS NOT"
                    + " NULL ORDER BY sequence_number DESC")) {
          ps.setString(1, run);
          ps.setString(2, ctx.nodeId());
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Object parsed = CanonicalJson.parse(rs.getString(1));
              if (parsed instanceof Map<?, ?> m && m.get("state") instanceof Map<?, ?> st) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) st;
                out.add(typed);
              } else {
                throw new IllegalStateException(
                    "checkpoint of node "
                        + ctx.nodeId()
                        + " in run "
                        + run
                        + " has no state: "
                        + rs.getString(1));
              }
            }
          }
        }
      }
      return out;
    } catch (SQLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read the checkpoints of aggregation " + ctx.nodeName() + ": " + e.getMessage(),
          e);
    } finally {
      LandscapeStores.release(url);
    }
  }

  /** This run, then the run it resumes, then the run that one resumed, and so on. */
  private List<String> runChain(Connection c) throws SQLException {
    Set<String> chain = new LinkedHashSet<>();
    String run = ctx.runId();
    while (run != null && chain.add(run)) {
      String previous = null;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT result_json FROM preflight_results"
                  + " WHERE run_id = ? AND result_type = 'dependency_run'")) {
        ps.setString(1, run);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()
              && CanonicalJson.parse(rs.getString(1)) instanceof Map<?, ?> link
              && link.get("run_id") instanceof String p) {
            previous = p;
          }
        }
      }
      run = previous;
    }
    return List.copyOf(chain);
  }
}
