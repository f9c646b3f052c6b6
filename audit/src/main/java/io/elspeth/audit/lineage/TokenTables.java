package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.InListQuery.inChunks;
import static io.elspeth.audit.lineage.StoredValues.doubleOrNull;
import static io.elspeth.audit.lineage.StoredValues.json;
import static io.elspeth.audit.lineage.StoredValues.requiredTime;
import static io.elspeth.audit.lineage.StoredValues.time;

import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the records that hang off a row's tokens, one batched query per table: node states (with
 * their routing events and calls), transform errors, outcomes (at most one terminal per token) and
 * the sinks' artifacts, each list in its stable order.
 */
final class TokenTables {
  /** A node_states row with its token, before routing events and calls are attached. */
  record StateRow(String tokenId, NodeStateLineage state) {}

  private TokenTables() {}

  static List<StateRow> readStates(Connection c, String runId, Collection<String> tokenIds)
      throws SQLException {
    List<StateRow> states = new ArrayList<>();
    inChunks(
        c,
        "SELECT s.state_id, s.token_id, s.run_id, s.node_id, n.plugin_name, n.node_type,"
            + " s.step_index, s.attempt, s.status, s.input_hash, s.output_hash, s.duration_ms,"
            + " s.started_at, s.completed_at, s.error_json, s.context_after_json,"
            + " s.success_reason_json FROM node_states s"
            + " LEFT JOIN nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id"
            + " WHERE s.token_id IN (%s)",
        List.of(),
        tokenIds,
        rs -> {
          String id = rs.getString(1);
          String tokenId = rs.getString(2);
          String stateRun = rs.getString(3);
          if (!runId.equals(stateRun)) {
            throw new AuditIntegrityException(
                "node state "
                    + id
                    + " of token "
                    + tokenId
                    + " belongs to run "
                    + stateRun
                    + ", not to run "
                    + runId);
          }
          states.add(
              new StateRow(
                  tokenId,
                  new NodeStateLineage(
                      id,
                      rs.getString(4),
                      rs.getString(5),
                      rs.getString(6),
                      rs.getInt(7),
                      rs.getInt(8),
                      rs.getString(9),
                      rs.getString(10),
                      rs.getString(11),
                      doubleOrNull(rs, 12),
                      requiredTime(rs.getObject(13), "node_states", id, "started_at"),
                      time(rs.getObject(14), "node_states", id, "completed_at"),
                      json(rs.getString(15), "node_states", id, "error_json"),
                      json(rs.getString(16), "node_states", id, "context_after_json"),
                      json(rs.getString(17), "node_states", id, "success_reason_json"),
                      List.of(),
                      List.of())));
        });
    return states;
  }

  static Map<String, List<RoutingEvent>> readRoutingEvents(
      Connection c, Collection<String> stateIds) throws SQLException {
    Map<String, List<RoutingEvent>> events = new HashMap<>();
    inChunks(
        c,
        "SELECT re.state_id, re.event_id, re.edge_id, e.label, e.to_node_id,"
            + " tn.node_type, re.mode, re.routing_group_id, re.ordinal, re.reason_hash,"
            + " re.reason_ref FROM routing_events re"
            + " LEFT JOIN edges e ON e.edge_id = re.edge_id"
            + " LEFT JOIN nodes tn ON tn.node_id = e.to_node_id AND tn.run_id = e.run_id"
            + " WHERE re.state_id IN (%s)",
        List.of(),
        stateIds,
        rs ->
            events
                .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                .add(
                    new RoutingEvent(
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getInt(9),
                        rs.getString(10),
                        rs.getString(11))));
    events
        .values()
        .forEach(
            l ->
                l.sort(
                    Comparator.comparingInt(RoutingEvent::ordinal)
                        .thenComparing(RoutingEvent::routingGroupId)
                        .thenComparing(RoutingEvent::eventId)));
    return events;
  }

  static Map<String, List<Call>> readCalls(Connection c, Collection<String> stateIds)
      throws SQLException {
    Map<String, List<Call>> calls = new HashMap<>();
    inChunks(
        c,
        "SELECT state_id, call_id, call_index, call_type, status, request_hash,"
            + " request_ref, response_hash, response_ref, latency_ms, error_json FROM calls"
            + " WHERE state_id IN (%s)",
        List.of(),
        stateIds,
        rs -> {
          String id = rs.getString(2);
          calls
              .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new Call(
                      id,
                      rs.getInt(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getString(6),
                      rs.getString(7),
                      rs.getString(8),
                      rs.getString(9),
                      doubleOrNull(rs, 10),
                      json(rs.getString(11), "calls", id, "error_json")));
        });
    calls.values().forEach(l -> l.sort(Comparator.comparingInt(Call::callIndex)));
    return calls;
  }

  static Map<String, List<TransformError>> readTransformErrors(
      Connection c, String runId, Collection<String> tokenIds) throws SQLException {
    Map<String, List<TransformError>> errors = new HashMap<>();
    inChunks(
        c,
        "SELECT token_id, error_id, transform_id, row_hash, error_details_json,"
            + " destination, created_at FROM transform_errors WHERE run_id = ? AND token_id IN (%s)",
        List.of(runId),
        tokenIds,
        rs -> {
          String id = rs.getString(2);
          errors
              .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new TransformError(
                      id,
                      rs.getString(3),
                      rs.getString(4),
                      json(rs.getString(5), "transform_errors", id, "error_details_json"),
                      rs.getString(6),
                      requiredTime(rs.getObject(7), "transform_errors", id, "created_at")));
        });
    errors
        .values()
        .forEach(
            l ->
                l.sort(
                    Comparator.comparing(TransformError::createdAt)
                        .thenComparing(TransformError::errorId)));
    return errors;
  }

  static Map<String, List<Outcome>> readOutcomes(Connection c, Collection<String> tokenIds)
      throws SQLException {
    Map<String, List<Outcome>> outcomes = new HashMap<>();
    inChunks(
        c,
        "SELECT token_id, outcome_id, outcome, is_terminal, recorded_at, sink_name,"
            + " batch_id, fork_group_id, join_group_id, expand_group_id, error_hash,"
            + " expected_branches_json, context_json FROM token_outcomes WHERE token_id IN (%s)",
        List.of(),
        tokenIds,
        rs -> {
          String id = rs.getString(2);
          outcomes
              .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new Outcome(
                      id,
                      rs.getString(3),
                      rs.getInt(4) == 1,
                      requiredTime(rs.getObject(5), "token_outcomes", id, "recorded_at"),
                      rs.getString(6),
                      rs.getString(7),
                      rs.getString(8),
                      rs.getString(9),
                      rs.getString(10),
                      rs.getString(11),
                      json(rs.getString(12), "token_outcomes", id, "expected_branches_json"),
                      json(rs.getString(13), "token_outcomes", id, "context_json")));
        });
    for (Map.Entry<String, List<Outcome>> e : outcomes.entrySet()) {
      List<String> terminal =
          e.getValue().stream()
              .filter(Outcome::isTerminal)
              .map(Outcome::outcomeId)
              .sorted()
              .toList();
      if (terminal.size() > 1) {
        throw new AuditIntegrityException(
            "token "
                + e.getKey()
                + " has "
                + terminal.size()
                + " terminal outcomes "
                + terminal
                + "; at most one is allowed");
      }
      e.getValue()
          .sort(Comparator.comparing(Outcome::recordedAt).thenComparing(Outcome::outcomeId));
    }
    return outcomes;
  }

  static Map<String, List<Artifact>> readArtifacts(
      Connection c, String runId, Collection<String> sinkNodeIds) throws SQLException {
    Map<String, List<Artifact>> artifacts = new HashMap<>();
    inChunks(
        c,
        "SELECT artifact_id, sink_node_id, produced_by_state_id, artifact_type,"
            + " path_or_uri, content_hash, size_bytes, created_at FROM artifacts"
            + " WHERE run_id = ? AND sink_node_id IN (%s)",
        List.of(runId),
        sinkNodeIds,
        rs -> {
          String id = rs.getString(1);
          artifacts
              .computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
              .add(
                  new Artifact(
                      id,
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getString(6),
                      rs.getLong(7),
                      requiredTime(rs.getObject(8), "artifacts", id, "created_at")));
        });
    artifacts
        .values()
        .forEach(
            l ->
                l.sort(
                    Comparator.comparing(Artifact::createdAt).thenComparing(Artifact::artifactId)));
    return artifacts;
  }

  /**
   * The artifact of the sink write that included the token. A sink links its artifact only to the
   * first token's state of each write, so for the others the write is recognised by time: the
   * artifact created when the state completed, else the first created at or after the state
   * started, else the newest one of the sink.
   */
  static @Nullable Artifact pickArtifact(NodeStateLineage sinkState, List<Artifact> all) {
    if (all.isEmpty()) {
      return null;
    }
    for (Artifact a : all) {
      if (a.producedByStateId().equals(sinkState.stateId())) {
        return a;
      }
    }
    Instant started = Instant.parse(sinkState.startedAt());
    Instant completed =
        sinkState.completedAt() == null ? null : Instant.parse(sinkState.completedAt());
    if (completed != null) {
      for (Artifact a : all) {
        if (Instant.parse(a.createdAt()).equals(completed)) {
          return a;
        }
      }
    }
    for (Artifact a : all) {
      if (!Instant.parse(a.createdAt()).isBefore(started)) {
        return a;
      }
    }
    return all.get(all.size() - 1);
  }
}
