package io.elspeth.audit.commit;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.NodeStateStatus;
import io.elspeth.telemetry.event.TelemetryEvent.RoutingMode;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the audit records of a pipeline to the Landscape: records are buffered per bundle and
 * written in one transaction when the bundle finishes, or earlier when the buffer reaches its
 * cap. A failed commit fails the bundle, so the run fails rather than produce output without its
 * audit record. With {@link #withTelemetry}, the records of each transaction that committed, and
 * only those, are turned into row and call telemetry events after the commit.
 *
 * <pre>{@code auditRecords.apply(LandscapeCommit.to(url).withMaxBatchSize(2000));}</pre>
 */
public final class LandscapeCommit extends PTransform<PCollection<AuditRecord>, PDone> {
  public static final int DEFAULT_MAX_BATCH_SIZE = 5000;

  private final LandscapeUrl url;
  private final int maxBatchSize;
  private final @Nullable TelemetryWiring telemetry;

  private LandscapeCommit(LandscapeUrl url, int maxBatchSize,
      @Nullable TelemetryWiring telemetry) {
    this.url = url;
    this.maxBatchSize = maxBatchSize;
    this.telemetry = telemetry;
  }

  public static LandscapeCommit to(LandscapeUrl url) {
    return new LandscapeCommit(url, DEFAULT_MAX_BATCH_SIZE, null);
  }

  /** Commits early once a bundle has buffered this many records. */
  public LandscapeCommit withMaxBatchSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("withMaxBatchSize() must be at least 1, got " + size);
    }
    return new LandscapeCommit(url, size, telemetry);
  }

  /** Emits telemetry for committed records through the run's per-JVM manager. */
  public LandscapeCommit withTelemetry(TelemetryWiring wiring) {
    return new LandscapeCommit(url, maxBatchSize, wiring);
  }

  /** A DAG node as telemetry names it: its type (source, transform, gate, sink) and names. */
  public record NodeInfo(String nodeType, String name, String pluginName) implements Serializable {}

  /**
   * What the commit needs to emit telemetry: the run, its (serialisable) telemetry settings, the
   * run's nodes by id, and each edge's destination name (a sink name) by edge id.
   */
  public record TelemetryWiring(String runId, TelemetrySettings settings,
      Map<String, NodeInfo> nodes, Map<String, String> edgeDestinations)
      implements Serializable {
    public TelemetryWiring {
      nodes = Map.copyOf(nodes);
      edgeDestinations = Map.copyOf(edgeDestinations);
    }
  }

  @Override
  public PDone expand(PCollection<AuditRecord> input) {
    input.apply("CommitPerBundle", ParDo.of(new CommitFn(url, maxBatchSize, telemetry)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("landscape", url.toString()))
        .add(DisplayData.item("maxBatchSize", maxBatchSize))
        .add(DisplayData.item("telemetry", telemetry != null && telemetry.settings().enabled()));
  }

  static final class CommitFn extends DoFn<AuditRecord, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(CommitFn.class);
    private final LandscapeUrl url;
    private final int maxBatchSize;
    private final @Nullable TelemetryWiring wiring;
    private final Counter committed = Metrics.counter(LandscapeCommit.class, "records_committed");
    private final Counter transactions = Metrics.counter(LandscapeCommit.class, "transactions");
    private transient LandscapeStore store;
    private transient List<AuditRecord> buffer;
    private transient @Nullable TelemetryManager telemetry;
    private transient @Nullable CommittedEvents events;

    CommitFn(LandscapeUrl url, int maxBatchSize, @Nullable TelemetryWiring wiring) {
      this.url = url;
      this.maxBatchSize = maxBatchSize;
      this.wiring = wiring;
    }

    @Setup
    public void setup() {
      store = LandscapeStores.acquire(url);
      if (wiring != null && wiring.settings().enabled()) {
        telemetry = TelemetryManagers.acquire(wiring.runId(), wiring.settings());
        events = new CommittedEvents(wiring, store);
      }
    }

    @StartBundle
    public void startBundle() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element AuditRecord record) {
      buffer.add(record);
      if (buffer.size() >= maxBatchSize) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() {
      flush();
    }

    private void flush() {
      if (buffer.isEmpty()) {
        return;
      }
      // Throws when the transaction fails: nothing below runs, so no telemetry for these records.
      List<AuditRecord> inserted = store.commitNew(buffer);
      committed.inc(buffer.size());
      transactions.inc();
      List<AuditRecord> done = buffer;
      buffer = new ArrayList<>();
      emit(done, inserted);
    }

    /**
     * Events of the records this transaction inserted; a retried bundle's records that were
     * already committed (and telemetered) the first time emit nothing again.
     */
    private void emit(List<AuditRecord> done, List<AuditRecord> inserted) {
      TelemetryManager t = telemetry;
      if (t == null || events == null || inserted.isEmpty() || !t.wants(Granularity.ROWS)) {
        return;
      }
      try {
        for (TelemetryEvent e : events.of(done, inserted, t.wants(Granularity.FULL))) {
          t.handleEvent(e);
        }
      } catch (RuntimeException e) {
        // Telemetry never changes a step's outcome: the records are committed, the events lost.
        LOG.warn("telemetry_emit_failed run_id={} error_type={} error={}", wiring.runId(),
            e.getClass().getSimpleName(), e.getMessage());
      }
    }

    @Teardown
    public void teardown() {
      if (telemetry != null) {
        telemetry = null;
        TelemetryManagers.release(wiring.runId());
      }
      if (store != null) {
        LandscapeStores.release(url);
        store = null;
      }
    }
  }

  /**
   * The one mapping from committed audit records to telemetry events: RowCreated from a source
   * row and its first token; TransformCompleted or GateEvaluated from a node state by node type
   * (gate destinations from its routing events); TokenCompleted from a terminal outcome (sink
   * name as recorded); ExternalCallCompleted from a call (at full only). Row ids of tokens not in
   * the transaction are read back from the Landscape, which has them committed. Every record of
   * the transaction gives context (rows, states, operations); only the inserted ones give events.
   */
  static final class CommittedEvents {
    private static final int ROW_CACHE = 200_000;
    /**
     * Token → row of the tokens committed in this JVM, per run, shared by every commit instance:
     * a token's row is usually committed by another instance than its later states, and reading
     * it back contends with the writers for SQLite's single connection.
     */
    private static final Map<String, Map<String, String>> ROWS_BY_RUN =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final TelemetryWiring wiring;
    private final LandscapeStore store;
    private final Map<String, String> rowOfToken;

    CommittedEvents(TelemetryWiring wiring, LandscapeStore store) {
      this.wiring = wiring;
      this.store = store;
      this.rowOfToken = ROWS_BY_RUN.computeIfAbsent(wiring.runId(), run ->
          java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > ROW_CACHE;
            }
          }));
    }

    List<TelemetryEvent> of(List<AuditRecord> records, List<AuditRecord> inserted, boolean calls) {
      List<AuditRecord> ordered = new ArrayList<>(records);
      ordered.sort(Comparator.comparingInt(AuditRecord::rank));
      java.util.Set<AuditRecord> fresh = java.util.Collections.newSetFromMap(
          new java.util.IdentityHashMap<>(inserted.size() * 2));
      fresh.addAll(inserted);
      Map<String, RowRecord> rows = new HashMap<>();
      Map<String, NodeStateRecord> states = new HashMap<>();
      Map<String, List<RoutingEventRecord>> routes = new HashMap<>();
      Map<String, OperationRecord> operations = new HashMap<>();
      List<String> unknownTokens = new ArrayList<>();
      for (AuditRecord r : ordered) {
        if (r instanceof RowRecord row) {
          rows.put(row.rowId(), row);
        } else if (r instanceof TokenRecord token) {
          rowOfToken.put(token.tokenId(), token.rowId());
        } else if (r instanceof NodeStateRecord s) {
          states.put(s.stateId(), s);
        } else if (r instanceof RoutingEventRecord e) {
          routes.computeIfAbsent(e.stateId(), k -> new ArrayList<>()).add(e);
        } else if (r instanceof OperationRecord o) {
          operations.put(o.operationId(), o);
        }
      }
      for (AuditRecord r : ordered) {
        if (!fresh.contains(r)) {
          continue;
        }
        String token = r instanceof NodeStateRecord s ? s.tokenId()
            : r instanceof TokenOutcomeRecord o ? o.tokenId() : null;
        if (token != null && !rowOfToken.containsKey(token)) {
          unknownTokens.add(token);
        }
      }
      readRowIds(unknownTokens);
      Instant now = Instant.now();
      String runId = wiring.runId();
      List<TelemetryEvent> out = new ArrayList<>();
      for (AuditRecord r : ordered) {
        if (!fresh.contains(r)) {
          continue;
        }
        if (r instanceof TokenRecord t && t.forkGroupId() == null && t.joinGroupId() == null
            && t.expandGroupId() == null) {
          String hash = rows.containsKey(t.rowId()) ? rows.get(t.rowId()).sourceDataHash()
              : sourceHash(t.rowId());
          if (hash != null) {
            out.add(new TelemetryEvent.RowCreated(now, runId, t.rowId(), t.tokenId(), hash));
          }
        } else if (r instanceof NodeStateRecord s) {
          TelemetryEvent e = stateEvent(s, routes.getOrDefault(s.stateId(), List.of()), now);
          if (e != null) {
            out.add(e);
          }
        } else if (r instanceof CallRecord c && calls) {
          out.add(callEvent(c, states, operations, now));
        } else if (r instanceof TokenOutcomeRecord o && o.isTerminal() == 1) {
          out.add(new TelemetryEvent.TokenCompleted(now, runId, rowOfToken.get(o.tokenId()),
              o.tokenId(), o.outcome(), o.sinkName()));
        }
      }
      return out;
    }

    private @Nullable TelemetryEvent stateEvent(NodeStateRecord s,
        List<RoutingEventRecord> routing, Instant now) {
      NodeInfo node = wiring.nodes().get(s.nodeId());
      if (node == null || !(s.status().equals("completed") || s.status().equals("failed"))) {
        return null;
      }
      String row = rowOfToken.get(s.tokenId());
      if (row == null) {
        return null;
      }
      if (node.nodeType().equals("transform")) {
        NodeStateStatus status = TelemetryEvent.parse(NodeStateStatus.class, s.status());
        return new TelemetryEvent.TransformCompleted(now, wiring.runId(), row, s.tokenId(),
            s.nodeId(), node.pluginName(), status, s.durationMs() == null ? 0.0 : s.durationMs(),
            s.inputHash(), status == NodeStateStatus.FAILED ? null : s.outputHash());
      }
      if (node.nodeType().equals("gate") && s.status().equals("completed")) {
        List<String> destinations = new ArrayList<>();
        RoutingMode mode = RoutingMode.MOVE;
        for (RoutingEventRecord e : routing) {
          destinations.add(wiring.edgeDestinations().getOrDefault(e.edgeId(), e.edgeId()));
          mode = TelemetryEvent.parse(RoutingMode.class, e.mode());
        }
        if (destinations.isEmpty()) {
          destinations.add("continue");
        }
        return new TelemetryEvent.GateEvaluated(now, wiring.runId(), row, s.tokenId(),
            s.nodeId(), node.name(), mode, destinations);
      }
      return null;
    }

    /** Provider: the plugin of the node whose state or operation made the call. */
    private TelemetryEvent callEvent(CallRecord c, Map<String, NodeStateRecord> states,
        Map<String, OperationRecord> operations, Instant now) {
      NodeStateRecord state = c.stateId() == null ? null : states.get(c.stateId());
      OperationRecord op = c.operationId() == null ? null : operations.get(c.operationId());
      String nodeId = state != null ? state.nodeId() : op != null ? op.nodeId() : null;
      NodeInfo node = nodeId == null ? null : wiring.nodes().get(nodeId);
      return CallTelemetry.event(wiring.runId(), c, node == null ? "unknown" : node.pluginName(),
          state == null ? null : state.tokenId(), now);
    }

    private void readRowIds(Collection<String> tokens) {
      if (tokens.isEmpty()) {
        return;
      }
      List<String> list = tokens.stream().distinct().toList();
      for (int from = 0; from < list.size(); from += 500) {
        List<String> chunk = list.subList(from, Math.min(list.size(), from + 500));
        String sql = "SELECT token_id, row_id FROM tokens WHERE token_id IN ("
            + String.join(",", java.util.Collections.nCopies(chunk.size(), "?")) + ")";
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
          for (int i = 0; i < chunk.size(); i++) {
            ps.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rowOfToken.put(rs.getString(1), rs.getString(2));
            }
          }
        } catch (SQLException e) {
          throw new IllegalStateException("cannot read token rows for telemetry: "
              + e.getMessage(), e);
        }
      }
    }

    private @Nullable String sourceHash(String rowId) {
      try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
          "SELECT source_data_hash FROM rows WHERE row_id = ?")) {
        ps.setString(1, rowId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the source row for telemetry: "
            + e.getMessage(), e);
      }
    }
  }
}
