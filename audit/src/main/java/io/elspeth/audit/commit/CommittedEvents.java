package io.elspeth.audit.commit;

import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.NodeStateStatus;
import io.elspeth.telemetry.event.TelemetryEvent.RoutingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from committed audit records to telemetry events: RowCreated from a source row
 * (with its first token, carried on the row record); TransformCompleted or GateEvaluated from a
 * node state by node type (gate destinations from its routing events); TokenCompleted from a
 * terminal outcome (sink name as recorded); ExternalCallCompleted from a call (at full only, with
 * its stored payloads). Every record of the transaction gives context (rows, tokens, states,
 * operations); only the inserted ones give events.
 *
 * <p>The row of a state's or an outcome's token travels with the record (its maker had the token),
 * so nothing is read back from the Landscape here: a token committed by another transaction,
 * earlier or later, does not matter, and the commit never queries the tables its writers are
 * filling. An event that still cannot be built (a record made without its row, a malformed record)
 * is counted as dropped by the manager, never lost silently.
 */
final class CommittedEvents implements CommitEvents {
  private static final Logger LOG = LoggerFactory.getLogger(CommittedEvents.class);
  private final LandscapeCommit.TelemetryWiring wiring;
  private final @Nullable PayloadStore payloads;

  /** Events of this commit instance that could not be built so far. */
  private long unbuildable;

  CommittedEvents(LandscapeCommit.TelemetryWiring wiring, @Nullable PayloadStore payloads) {
    this.wiring = wiring;
    this.payloads = payloads;
  }

  @Override
  public Granularity minimum() {
    return Granularity.ROWS;
  }

  /**
   * The events of the {@code inserted} records (parent-before-child, as the store returns them) of
   * a transaction of {@code records}. The context maps are built only when a record needs them:
   * steps put the row and first token on their records, so most transactions never do.
   */
  @Override
  public Built of(List<? extends AuditRecord> records, List<AuditRecord> inserted, boolean calls) {
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
    LandscapeCommit.NodeInfo node = wiring.nodes().get(s.nodeId());
    if (node == null) {
      return false;
    }
    return node.nodeType().equals("transform")
            && (s.status().equals("completed") || s.status().equals("failed"))
        || node.nodeType().equals("gate") && s.status().equals("completed");
  }

  private TelemetryEvent stateEvent(NodeStateRecord s, String row, Context context, Instant now) {
    // emitsEvent(s) was true: the node is known.
    LandscapeCommit.NodeInfo node =
        Objects.requireNonNull(wiring.nodes().get(s.nodeId()), s.nodeId());
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
    OperationRecord op = c.operationId() == null ? null : context.operations().get(c.operationId());
    String nodeId = state != null ? state.nodeId() : op != null ? op.nodeId() : null;
    LandscapeCommit.NodeInfo node = nodeId == null ? null : wiring.nodes().get(nodeId);
    return CallTelemetry.event(
        wiring.runId(),
        c,
        node == null ? "unknown" : node.pluginName(),
        state == null ? null : state.tokenId(),
        now,
        payloads);
  }
}
