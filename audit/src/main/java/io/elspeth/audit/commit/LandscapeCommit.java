package io.elspeth.audit.commit;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
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
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * written in one transaction when the bundle finishes, or earlier when the buffer reaches its cap.
 * A failed commit fails the bundle, so the run fails rather than produce output without its audit
 * record. With {@link #withTelemetry}, the records of each transaction that committed, and only
 * those, are turned into row and call telemetry events after the commit.
 *
 * <pre>{@code auditRecords.apply(LandscapeCommit.to(url).withMaxBatchSize(2000));}</pre>
 */
public final class LandscapeCommit extends PTransform<PCollection<AuditRecord>, PDone> {
  public static final int DEFAULT_MAX_BATCH_SIZE = 5000;

  private final LandscapeUrl url;
  private final int maxBatchSize;
  private final @Nullable TelemetryWiring telemetry;

  private LandscapeCommit(LandscapeUrl url, int maxBatchSize, @Nullable TelemetryWiring telemetry) {
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
   * run's nodes by id, each edge's destination name (a sink name) by edge id, and the base folder
   * of the run's payload store (call payloads at {@code full} are read from it; null: calls go
   * without payloads).
   */
  public record TelemetryWiring(
      String runId,
      TelemetrySettings settings,
      Map<String, NodeInfo> nodes,
      Map<String, String> edgeDestinations,
      @Nullable String payloadStore)
      implements Serializable {
    public TelemetryWiring {
      nodes = Map.copyOf(nodes);
      edgeDestinations = Map.copyOf(edgeDestinations);
    }

    /** Wiring of a run without a payload store. */
    public TelemetryWiring(
        String runId,
        TelemetrySettings settings,
        Map<String, NodeInfo> nodes,
        Map<String, String> edgeDestinations) {
      this(runId, settings, nodes, edgeDestinations, null);
    }
  }

  @Override
  public PDone expand(PCollection<AuditRecord> input) {
    input.apply("CommitPerBundle", ParDo.of(new CommitFn(url, maxBatchSize, telemetry)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("landscape", url.toString()))
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

    /** Commits a buffer, then emits the telemetry of what it inserted. */
    private transient LandscapeWriter writer;

    private transient List<AuditRecord> buffer;
    private transient @Nullable TelemetryManager telemetry;
    private transient @Nullable CommittedEvents events;

    /** Flushes a buffer left idle (see {@link #IDLE_FLUSH_MILLIS}); null until set up. */
    private transient java.util.concurrent.@Nullable ScheduledExecutorService idleFlusher;

    private transient volatile long lastAddedNanos;

    /** A failure of an idle flush, rethrown on the runner's thread. */
    private transient volatile @Nullable RuntimeException idleFailure;

    private transient long idleCommitted;
    private transient long idleTransactions;

    /**
     * A buffer that got no record for this long is committed without waiting for the bundle to end:
     * on runners whose bundles span a whole partition (Flink batch), the tail of the rows' records
     * would otherwise wait for the end of the input, after the sinks that need them committed first
     * (a sink publishes only once its tokens are recorded).
     */
    static final long IDLE_FLUSH_MILLIS = 200;

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
        // Payloads are read only for call events, which only full emits.
        PayloadStore payloads =
            wiring.payloadStore() != null
                    && wiring.settings().granularity().includes(Granularity.FULL)
                ? FilesystemPayloadStore.at(Path.of(wiring.payloadStore()))
                : null;
        events = new CommittedEvents(wiring, payloads);
      }
      LandscapeWriter plain = LandscapeWriter.to(store).withAfterCommit(CommitFn::committed);
      writer = events == null ? plain : plain.withTelemetry(telemetry, events);
      buffer = new ArrayList<>();
      idleFlusher =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "landscape-idle-flush");
                t.setDaemon(true);
                return t;
              });
      idleFlusher.scheduleWithFixedDelay(
          this::flushIfIdle,
          IDLE_FLUSH_MILLIS,
          IDLE_FLUSH_MILLIS,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @StartBundle
    public synchronized void startBundle() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public synchronized void process(@Element AuditRecord record) {
      rethrowIdleFailure();
      buffer.add(record);
      lastAddedNanos = System.nanoTime();
      if (buffer.size() >= maxBatchSize) {
        flush();
      }
    }

    @FinishBundle
    public synchronized void finishBundle() {
      rethrowIdleFailure();
      flush();
    }

    private synchronized void flushIfIdle() {
      if (buffer == null
          || buffer.isEmpty()
          || idleFailure != null
          || System.nanoTime() - lastAddedNanos < IDLE_FLUSH_MILLIS * 1_000_000L) {
        return;
      }
      try {
        flush(false);
      } catch (RuntimeException e) {
        // The records stay in the buffer; the runner's thread fails the bundle with this.
        idleFailure = e;
      }
    }

    private void rethrowIdleFailure() {
      RuntimeException e = idleFailure;
      if (e != null) {
        throw e;
      }
    }

    private void flush() {
      flush(true);
    }

    /**
     * Commits the buffer. Beam's metrics count only on the runner's threads, so what an idle flush
     * commits is counted at the next call on one.
     */
    private void flush(boolean onRunnerThread) {
      if (onRunnerThread && idleTransactions > 0) {
        committed.inc(idleCommitted);
        transactions.inc(idleTransactions);
        idleCommitted = 0;
        idleTransactions = 0;
      }
      if (buffer.isEmpty()) {
        return;
      }
      // Throws when the transaction fails: nothing below runs, and no telemetry for these
      // records; the writer emits the telemetry of what the transaction inserted.
      writer.commit(buffer);
      if (onRunnerThread) {
        committed.inc(buffer.size());
        transactions.inc();
      } else {
        idleCommitted += buffer.size();
        idleTransactions++;
      }
      buffer = new ArrayList<>();
    }

    /** After the transaction, before its telemetry: crash points, then the readers' counts. */
    private static void committed(List<? extends AuditRecord> done, List<AuditRecord> inserted) {
      CrashPoint.reached("commit.committed");
      if (hasOutcome(done)) {
        CrashPoint.reached("commit.outcomes_committed");
      }
      countForReaders(done);
    }

    private static boolean hasOutcome(List<? extends AuditRecord> records) {
      for (AuditRecord r : records) {
        if (r instanceof io.elspeth.audit.record.TokenOutcomeRecord) {
          return true;
        }
      }
      return false;
    }

    /** Tells the readers in this JVM how far the commit has come ({@link AuditBacklog}). */
    private static void countForReaders(List<? extends AuditRecord> done) {
      String run = null;
      long rows = 0;
      long outcomes = 0;
      boolean progressTold = false;
      for (AuditRecord r : done) {
        if (!progressTold && r instanceof NodeStateRecord s) {
          AuditBacklog.progressed(s.runId());
          progressTold = true;
        }
        String of =
            r instanceof RowRecord row
                ? row.runId()
                : r instanceof TokenOutcomeRecord o && o.sinkName() != null ? o.runId() : null;
        if (of == null) {
          continue;
        }
        if (run != null && !run.equals(of)) {
          tell(run, rows, outcomes);
          rows = 0;
          outcomes = 0;
        }
        run = of;
        if (r instanceof RowRecord) {
          rows++;
        } else {
          outcomes++;
        }
      }
      if (run != null) {
        tell(run, rows, outcomes);
      }
    }

    private static void tell(String run, long rows, long outcomes) {
      if (rows > 0) {
        AuditBacklog.committed(run, AuditBacklog.Kind.SOURCE_ROWS, rows);
      }
      if (outcomes > 0) {
        AuditBacklog.committed(run, AuditBacklog.Kind.SINK_OUTCOMES, outcomes);
      }
    }

    // Beam calls teardown last, after a setup that may have failed half-way: the fields set up
    // there are nulled (released) here, and may be null already.
    @SuppressWarnings("NullAway")
    @Teardown
    public void teardown() {
      if (idleFlusher != null) {
        idleFlusher.shutdownNow();
        idleFlusher = null;
      }
      if (telemetry != null && wiring != null) {
        telemetry = null;
        TelemetryManagers.release(wiring.runId());
      }
      if (store != null) {
        LandscapeStores.release(url);
        store = null;
        writer = null;
      }
    }
  }

  /**
   * The one mapping from committed audit records to telemetry events: RowCreated from a source row
   * (with its first token, carried on the row record); TransformCompleted or GateEvaluated from a
   * node state by node type (gate destinations from its routing events); TokenCompleted from a
   * terminal outcome (sink name as recorded); ExternalCallCompleted from a call (at full only, with
   * its stored payloads). Every record of the transaction gives context (rows, tokens, states,
   * operations); only the inserted ones give events.
   *
   * <p>The row of a state's or an outcome's token travels with the record (its maker had the
   * token), so nothing is read back from the Landscape here: a token committed by another
   * transaction, earlier or later, does not matter, and the commit never queries the tables its
   * writers are filling. An event that still cannot be built (a record made without its row, a
   * malformed record) is counted as dropped by the manager, never lost silently.
   */
  static final class CommittedEvents implements CommitEvents {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedEvents.class);
    private final TelemetryWiring wiring;
    private final @Nullable PayloadStore payloads;

    /** Events of this commit instance that could not be built so far. */
    private long unbuildable;

    CommittedEvents(TelemetryWiring wiring, @Nullable PayloadStore payloads) {
      this.wiring = wiring;
      this.payloads = payloads;
    }

    @Override
    public Granularity minimum() {
      return Granularity.ROWS;
    }

    /**
     * The events of the {@code inserted} records (parent-before-child, as the store returns them)
     * of a transaction of {@code records}. The context maps are built only when a record needs
     * them: steps put the row and first token on their records, so most transactions never do.
     */
    @Override
    public Built of(
        List<? extends AuditRecord> records, List<AuditRecord> inserted, boolean calls) {
      Context context = new Context(records);
      Instant now = Instant.now();
      String runId = wiring.runId();
      List<TelemetryEvent> out = new ArrayList<>(inserted.size());
      int dropped = 0;
      for (AuditRecord r : inserted) {
        try {
          if (r instanceof RowRecord row) {
            String token =
                row.tokenId() != null ? row.tokenId() : context.firstTokenOfRow().get(row.rowId());
            if (token == null) {
              dropped += unbuildable(r, "the row's first token is not known");
            } else {
              out.add(
                  new TelemetryEvent.RowCreated(
                      now, runId, row.rowId(), token, row.sourceDataHash()));
            }
          } else if (r instanceof NodeStateRecord s) {
            if (!emitsEvent(s)) {
              continue;
            }
            String row = s.rowId() != null ? s.rowId() : context.rowOfToken().get(s.tokenId());
            if (row == null) {
              dropped += unbuildable(r, "the token's row is not known");
            } else {
              out.add(stateEvent(s, row, context, now));
            }
          } else if (r instanceof CallRecord c && calls) {
            out.add(callEvent(c, context, now));
          } else if (r instanceof TokenOutcomeRecord o && o.isTerminal() == 1) {
            String row = o.rowId() != null ? o.rowId() : context.rowOfToken().get(o.tokenId());
            if (row == null) {
              dropped += unbuildable(r, "the token's row is not known");
            } else {
              out.add(
                  new TelemetryEvent.TokenCompleted(
                      now, runId, row, o.tokenId(), o.outcome(), o.sinkName()));
            }
          }
        } catch (RuntimeException e) {
          dropped += unbuildable(r, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      return new Built(out, dropped);
    }

    /**
     * What every record of the transaction tells about the others (rows of tokens, first tokens of
     * rows, states, routing events, operations), each map built on first use.
     */
    private static final class Context {
      private final List<? extends AuditRecord> records;
      private @Nullable Map<String, String> rowOfToken;
      private @Nullable Map<String, String> firstTokenOfRow;
      private @Nullable Map<String, NodeStateRecord> states;
      private @Nullable Map<String, List<RoutingEventRecord>> routes;
      private @Nullable Map<String, OperationRecord> operations;

      Context(List<? extends AuditRecord> records) {
        this.records = records;
      }

      Map<String, String> rowOfToken() {
        if (rowOfToken == null) {
          rowOfToken = new HashMap<>();
          for (AuditRecord r : records) {
            if (r instanceof TokenRecord token) {
              rowOfToken.put(token.tokenId(), token.rowId());
            }
          }
        }
        return rowOfToken;
      }

      /** The token of each row that no fork, join or expansion made; the first in rank order. */
      Map<String, String> firstTokenOfRow() {
        if (firstTokenOfRow == null) {
          firstTokenOfRow = new HashMap<>();
          for (AuditRecord r : records) {
            if (r instanceof TokenRecord token
                && token.forkGroupId() == null
                && token.joinGroupId() == null
                && token.expandGroupId() == null) {
              firstTokenOfRow.putIfAbsent(token.rowId(), token.tokenId());
            }
          }
        }
        return firstTokenOfRow;
      }

      Map<String, NodeStateRecord> states() {
        if (states == null) {
          states = index(NodeStateRecord.class, NodeStateRecord::stateId);
        }
        return states;
      }

      List<RoutingEventRecord> routes(String stateId) {
        if (routes == null) {
          routes = new HashMap<>();
          for (AuditRecord r : records) {
            if (r instanceof RoutingEventRecord e) {
              routes.computeIfAbsent(e.stateId(), k -> new ArrayList<>()).add(e);
            }
          }
        }
        return routes.getOrDefault(stateId, List.of());
      }

      Map<String, OperationRecord> operations() {
        if (operations == null) {
          operations = index(OperationRecord.class, OperationRecord::operationId);
        }
        return operations;
      }

      /** The transaction's records of one type by their key. */
      private <T extends AuditRecord> Map<String, T> index(
          Class<T> type, java.util.function.Function<T, String> key) {
        Map<String, T> byKey = new HashMap<>();
        for (AuditRecord r : records) {
          if (type.isInstance(r)) {
            T t = type.cast(r);
            byKey.put(key.apply(t), t);
          }
        }
        return byKey;
      }
    }

    /**
     * Logs why a record's event cannot be built (the first ten, then every thousandth: the count is
     * the manager's); the caller counts it as dropped.
     */
    private int unbuildable(AuditRecord r, String why) {
      long n = ++unbuildable;
      if (n <= 10 || n % 1000 == 0) {
        LOG.warn(
            "telemetry_event_unbuildable run_id={} table={} key={} reason={} count={}",
            wiring.runId(),
            r.table(),
            r.columns().get(r.keyColumns().get(0)),
            why,
            n);
      }
      return 1;
    }

    /** Whether a node state gives an event: a finished visit to a transform, a completed gate. */
    private boolean emitsEvent(NodeStateRecord s) {
      NodeInfo node = wiring.nodes().get(s.nodeId());
      if (node == null) {
        return false;
      }
      return node.nodeType().equals("transform")
              && (s.status().equals("completed") || s.status().equals("failed"))
          || node.nodeType().equals("gate") && s.status().equals("completed");
    }

    private TelemetryEvent stateEvent(NodeStateRecord s, String row, Context context, Instant now) {
      // emitsEvent(s) was true: the node is known.
      NodeInfo node = Objects.requireNonNull(wiring.nodes().get(s.nodeId()), s.nodeId());
      if (node.nodeType().equals("transform")) {
        NodeStateStatus status = TelemetryEvent.parse(NodeStateStatus.class, s.status());
        return new TelemetryEvent.TransformCompleted(
            now,
            wiring.runId(),
            row,
            s.tokenId(),
            s.nodeId(),
            node.pluginName(),
            status,
            s.durationMs() == null ? 0.0 : s.durationMs(),
            s.inputHash(),
            status == NodeStateStatus.FAILED ? null : s.outputHash());
      }
      List<String> destinations = new ArrayList<>();
      RoutingMode mode = RoutingMode.MOVE;
      for (RoutingEventRecord e : context.routes(s.stateId())) {
        destinations.add(wiring.edgeDestinations().getOrDefault(e.edgeId(), e.edgeId()));
        mode = TelemetryEvent.parse(RoutingMode.class, e.mode());
      }
      if (destinations.isEmpty()) {
        destinations.add("continue");
      }
      return new TelemetryEvent.GateEvaluated(
          now, wiring.runId(), row, s.tokenId(), s.nodeId(), node.name(), mode, destinations);
    }

    /** Provider: the plugin of the node whose state or operation made the call. */
    private TelemetryEvent callEvent(CallRecord c, Context context, Instant now) {
      NodeStateRecord state = c.stateId() == null ? null : context.states().get(c.stateId());
      OperationRecord op =
          c.operationId() == null ? null : context.operations().get(c.operationId());
      String nodeId = state != null ? state.nodeId() : op != null ? op.nodeId() : null;
      NodeInfo node = nodeId == null ? null : wiring.nodes().get(nodeId);
      return CallTelemetry.event(
          wiring.runId(),
          c,
          node == null ? "unknown" : node.pluginName(),
          state == null ? null : state.tokenId(),
          now,
          payloads);
    }
  }
}
