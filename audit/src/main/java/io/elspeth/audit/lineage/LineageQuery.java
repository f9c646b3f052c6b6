package io.elspeth.audit.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.BatchLineage;
import io.elspeth.audit.lineage.RowLineage.BatchToken;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.Run;
import io.elspeth.audit.lineage.RowLineage.SourceRow;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import io.elspeth.audit.lineage.RowLineage.ValidationError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The query side of {@code elspeth explain}: reads the full lineage of one source row from the
 * Landscape over a plain JDBC connection (SQLite or PostgreSQL).
 *
 * <p>The reads are batched per table: one query each for the run, the row, its validation errors
 * and its tokens, then one query per table (token_parents, node_states, routing_events, calls,
 * transform_errors, token_outcomes, artifacts) with the ids in IN lists of at most
 * {@value #CHUNK} entries. Nothing is written; the caller owns and closes the connection.
 *
 * <p>Integrity is checked while reading, and a contradiction throws
 * {@link AuditIntegrityException}: a token of the row that belongs to another run, a token with
 * more than one terminal outcome, a parent token that does not exist (or belongs to another run),
 * a token with more than one (or an empty) group id, a group id without parents or parents
 * without a group id, a node state of another run, and stored JSON that does not parse.
 */
public final class LineageQuery {
  /** The most ids bound in one IN list. */
  public static final int CHUNK = 500;

  /** The run id argument that stands for the newest run. */
  public static final String LATEST = "latest";

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Fixed-width ISO-8601 UTC with microseconds, so that the text sorts in time order. */
  private static final DateTimeFormatter ISO_MICROS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern ROW_INDEX = Pattern.compile("\\d{1,18}");

  private LineageQuery() {}

  /**
   * Resolves {@code "latest"} to the newest run id (by started_at, ties broken by run_id), else
   * returns the run id if that run exists; empty if there is none.
   *
   * @param c an open connection to the Landscape
   * @param runIdOrLatest a run id, or {@value #LATEST}
   * @return the run id, or empty when there is no such run (or no run at all)
   * @throws SQLException when the database cannot be read
   */
  public static Optional<String> resolveRun(Connection c, String runIdOrLatest)
      throws SQLException {
    String wanted = runIdOrLatest.trim();
    if (wanted.equals(LATEST)) {
      try (PreparedStatement ps = c.prepareStatement(
              "SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT run_id FROM runs WHERE run_id = ?")) {
      ps.setString(1, wanted);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * Full lineage of one source row of {@code runId}. The row is given as its row_id or as a
   * decimal row_index (a row_id of the run is tried first). Empty when the run does not exist or
   * has no such row.
   *
   * @param c an open connection to the Landscape
   * @param runId the run (resolve {@value #LATEST} first with {@link #resolveRun})
   * @param rowIdOrIndex a row_id of the run, or a decimal row_index
   * @return the row's lineage, or empty when the run or the row does not exist
   * @throws SQLException when the database cannot be read
   * @throws AuditIntegrityException when the stored lineage contradicts itself
   */
  public static Optional<RowLineage> explainRow(Connection c, String runId, String rowIdOrIndex)
      throws SQLException {
    Optional<Run> run = readRun(c, runId);
    if (run.isEmpty()) {
      return Optional.empty();
    }
    Optional<SourceRow> row = findRow(c, runId, rowIdOrIndex.trim());
    if (row.isEmpty()) {
      return Optional.empty();
    }
    SourceRow sourceRow = row.get();
    List<ValidationError> validationErrors = readValidationErrors(c, runId, sourceRow);
    List<TokenLineage> tokens = readTokenTree(c, runId, sourceRow.rowId());
    List<BatchLineage> batches = readBatches(c, runId, tokens);
    return Optional.of(new RowLineage(run.get(), sourceRow, validationErrors, tokens, batches));
  }

  /**
   * The row a token of {@code runId} belongs to, for explaining a row by one of its tokens.
   *
   * @return the row id, or empty when the run has no such token
   * @throws SQLException when the database cannot be read
   */
  public static Optional<String> rowOfToken(Connection c, String runId, String tokenId)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT row_id FROM tokens WHERE token_id = ? AND run_id = ?")) {
      ps.setString(1, tokenId);
      ps.setString(2, runId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  // ---------------------------------------------------------------- run, row, validation errors

  private static Optional<Run> readRun(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT run_id, status, started_at,"
        + " completed_at, config_hash FROM runs WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Run(rs.getString(1), rs.getString(2),
            requiredTime(rs.getObject(3), "runs", runId, "started_at"),
            time(rs.getObject(4), "runs", runId, "completed_at"), rs.getString(5)));
      }
    }
  }

  private static Optional<SourceRow> findRow(Connection c, String runId, String rowIdOrIndex)
      throws SQLException {
    String select = "SELECT r.row_id, r.row_index, r.source_node_id, n.plugin_name,"
        + " r.source_data_hash, r.source_data_ref, r.created_at FROM rows r"
        + " LEFT JOIN nodes n ON n.node_id = r.source_node_id AND n.run_id = r.run_id"
        + " WHERE r.run_id = ? AND ";
    try (PreparedStatement ps = c.prepareStatement(select + "r.row_id = ?")) {
      ps.setString(1, runId);
      ps.setString(2, rowIdOrIndex);
      Optional<SourceRow> byId = readRow(ps);
      if (byId.isPresent() || !ROW_INDEX.matcher(rowIdOrIndex).matches()) {
        return byId;
      }
    }
    try (PreparedStatement ps = c.prepareStatement(select + "r.row_index = ?")) {
      ps.setString(1, runId);
      ps.setLong(2, Long.parseLong(rowIdOrIndex));
      return readRow(ps);
    }
  }

  private static Optional<SourceRow> readRow(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      String rowId = rs.getString(1);
      return Optional.of(new SourceRow(rowId, rs.getLong(2), rs.getString(3), rs.getString(4),
          rs.getString(5), rs.getString(6), requiredTime(rs.getObject(7), "rows", rowId,
              "created_at")));
    }
  }

  private static List<ValidationError> readValidationErrors(
      Connection c, String runId, SourceRow row) throws SQLException {
    List<ValidationError> errors = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT error_id, node_id, row_hash, error,"
        + " schema_mode, destination, violation_type, original_field_name,"
        + " normalized_field_name, expected_type, actual_type, created_at"
        + " FROM validation_errors WHERE run_id = ? AND row_hash = ?")) {
      ps.setString(1, runId);
      ps.setString(2, row.sourceDataHash());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          errors.add(new ValidationError(id, rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
              rs.getString(9), rs.getString(10), rs.getString(11),
              requiredTime(rs.getObject(12), "validation_errors", id, "created_at")));
        }
      }
    }
    errors.sort(Comparator.comparing(ValidationError::createdAt)
        .thenComparing(ValidationError::errorId));
    return errors;
  }

  // ---------------------------------------------------------------- tokens

  /** A tokens row before its children tables are attached. */
  private record TokenRow(
      String tokenId, String runId, @Nullable String forkGroupId, @Nullable String joinGroupId,
      @Nullable String expandGroupId, @Nullable String branchName,
      @Nullable Integer stepInPipeline, String createdAt) {}

  /** A node_states row with its token, before routing events and calls are attached. */
  private record StateRow(String tokenId, NodeStateLineage state) {}

  private static List<TokenLineage> readTokenTree(Connection c, String runId, String rowId)
      throws SQLException {
    Map<String, TokenRow> tokens = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT token_id, run_id, fork_group_id,"
        + " join_group_id, expand_group_id, branch_name, step_in_pipeline, created_at"
        + " FROM tokens WHERE row_id = ?")) {
      ps.setString(1, rowId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          Long step = longOrNull(rs, 7);
          tokens.put(id, new TokenRow(id, rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), step == null ? null : step.intValue(),
              requiredTime(rs.getObject(8), "tokens", id, "created_at")));
        }
      }
    }
    for (TokenRow t : tokens.values()) {
      if (!runId.equals(t.runId())) {
        throw new AuditIntegrityException("token " + t.tokenId() + " of row " + rowId
            + " belongs to run " + t.runId() + ", but row " + rowId + " belongs to run " + runId);
      }
    }
    if (tokens.isEmpty()) {
      return List.of();
    }
    Set<String> tokenIds = tokens.keySet();

    Map<String, List<String>> parents = readParents(c, runId, tokens);
    checkGroups(tokens, parents);

    List<StateRow> stateRows = readStates(c, runId, tokenIds);
    Map<String, NodeStateLineage> states = new LinkedHashMap<>();
    for (StateRow s : stateRows) {
      states.put(s.state().stateId(), s.state());
    }
    Map<String, List<RoutingEvent>> routing = readRoutingEvents(c, states.keySet());
    Map<String, List<Call>> calls = readCalls(c, states.keySet());
    Map<String, List<NodeStateLineage>> statesByToken = new HashMap<>();
    for (StateRow s : stateRows) {
      NodeStateLineage bare = s.state();
      NodeStateLineage full = new NodeStateLineage(bare.stateId(), bare.nodeId(),
          bare.pluginName(), bare.nodeType(), bare.stepIndex(), bare.attempt(), bare.status(),
          bare.inputHash(), bare.outputHash(), bare.durationMs(), bare.startedAt(),
          bare.completedAt(), bare.errorJson(), bare.contextAfterJson(),
          bare.successReasonJson(), routing.getOrDefault(bare.stateId(), List.of()),
          calls.getOrDefault(bare.stateId(), List.of()));
      statesByToken.computeIfAbsent(s.tokenId(), k -> new ArrayList<>()).add(full);
    }
    Comparator<NodeStateLineage> stateOrder = Comparator.comparingInt(NodeStateLineage::stepIndex)
        .thenComparingInt(NodeStateLineage::attempt).thenComparing(NodeStateLineage::stateId);
    statesByToken.values().forEach(l -> l.sort(stateOrder));

    Map<String, List<TransformError>> transformErrors = readTransformErrors(c, runId, tokenIds);
    Map<String, List<Outcome>> outcomes = readOutcomes(c, tokenIds);

    Map<String, NodeStateLineage> sinkStates = new HashMap<>();
    for (Map.Entry<String, List<NodeStateLineage>> e : statesByToken.entrySet()) {
      // A failed sink state (a row the sink could not write) produced nothing of the artifact.
      e.getValue().stream().filter(s -> "sink".equals(s.nodeType())
              && !"failed".equals(s.status()))
          .reduce((first, second) -> second)
          .ifPresent(s -> sinkStates.put(e.getKey(), s));
    }
    Map<String, List<Artifact>> artifactsBySink = readArtifacts(c, runId,
        sinkStates.values().stream().map(NodeStateLineage::nodeId)
            .collect(Collectors.toCollection(LinkedHashSet::new)));

    List<TokenLineage> result = new ArrayList<>();
    for (String tokenId : treeOrder(tokens, parents)) {
      TokenRow t = Objects.requireNonNull(tokens.get(tokenId), "treeOrder lists known tokens");
      NodeStateLineage sinkState = sinkStates.get(tokenId);
      Artifact artifact = sinkState == null ? null
          : pickArtifact(sinkState, artifactsBySink.getOrDefault(sinkState.nodeId(), List.of()));
      result.add(new TokenLineage(tokenId, parents.getOrDefault(tokenId, List.of()),
          t.forkGroupId(), t.joinGroupId(), t.expandGroupId(), t.branchName(),
          t.stepInPipeline(), t.createdAt(), statesByToken.getOrDefault(tokenId, List.of()),
          transformErrors.getOrDefault(tokenId, List.of()),
          outcomes.getOrDefault(tokenId, List.of()), artifact));
    }
    return result;
  }

  /** token_parents of the row's tokens, by ordinal; every parent must exist in this run. */
  private static Map<String, List<String>> readParents(
      Connection c, String runId, Map<String, TokenRow> tokens) throws SQLException {
    record Link(String tokenId, String parentId, int ordinal) {}
    List<Link> links = new ArrayList<>();
    inChunks(c, "SELECT token_id, parent_token_id, ordinal FROM token_parents"
        + " WHERE token_id IN (%s)", List.of(), tokens.keySet(),
        rs -> links.add(new Link(rs.getString(1), rs.getString(2), rs.getInt(3))));
    links.sort(Comparator.comparing(Link::tokenId).thenComparingInt(Link::ordinal));
    Map<String, List<String>> parents = new HashMap<>();
    Map<String, String> childOfOutside = new LinkedHashMap<>();
    for (Link l : links) {
      parents.computeIfAbsent(l.tokenId(), k -> new ArrayList<>()).add(l.parentId());
      if (!tokens.containsKey(l.parentId())) {
        childOfOutside.putIfAbsent(l.parentId(), l.tokenId());
      }
    }
    if (!childOfOutside.isEmpty()) {
      Map<String, String> runOf = new HashMap<>();
      inChunks(c, "SELECT token_id, run_id FROM tokens WHERE token_id IN (%s)", List.of(),
          childOfOutside.keySet(), rs -> runOf.put(rs.getString(1), rs.getString(2)));
      for (Map.Entry<String, String> e : childOfOutside.entrySet()) {
        String parentRun = runOf.get(e.getKey());
        if (parentRun == null) {
          throw new AuditIntegrityException("token_parents names parent token " + e.getKey()
              + " of token " + e.getValue() + ", but token " + e.getKey() + " does not exist");
        }
        if (!runId.equals(parentRun)) {
          throw new AuditIntegrityException("parent token " + e.getKey() + " of token "
              + e.getValue() + " belongs to run " + parentRun + ", not to run " + runId);
        }
      }
    }
    return parents;
  }

  /** At most one non-empty group id per token, and a group id exactly when there are parents. */
  private static void checkGroups(Map<String, TokenRow> tokens, Map<String, List<String>> parents) {
    for (TokenRow t : tokens.values()) {
      List<String> groups = new ArrayList<>();
      for (String g : new String[] {t.forkGroupId(), t.joinGroupId(), t.expandGroupId()}) {
        if (g != null) {
          if (g.isBlank()) {
            throw new AuditIntegrityException("token " + t.tokenId() + " has an empty group id");
          }
          groups.add(g);
        }
      }
      if (groups.size() > 1) {
        throw new AuditIntegrityException("token " + t.tokenId()
            + " has more than one of fork_group_id, join_group_id and expand_group_id: " + groups);
      }
      boolean hasParents = parents.containsKey(t.tokenId());
      if (!groups.isEmpty() && !hasParents) {
        throw new AuditIntegrityException("token " + t.tokenId() + " has group id "
            + groups.get(0) + " but no parent in token_parents");
      }
      if (groups.isEmpty() && hasParents) {
        throw new AuditIntegrityException("token " + t.tokenId() + " has parents "
            + parents.get(t.tokenId()) + " but no fork, join or expand group id");
      }
    }
  }

  /** Parents before children, siblings in creation order; unreachable tokens last. */
  private static List<String> treeOrder(
      Map<String, TokenRow> tokens, Map<String, List<String>> parents) {
    List<TokenRow> byCreation = new ArrayList<>(tokens.values());
    byCreation.sort(Comparator.comparing(TokenRow::createdAt).thenComparing(TokenRow::tokenId));
    Map<String, List<String>> children = new HashMap<>();
    List<String> roots = new ArrayList<>();
    for (TokenRow t : byCreation) {
      List<String> inRow = parents.getOrDefault(t.tokenId(), List.of()).stream()
          .filter(tokens::containsKey).toList();
      if (inRow.isEmpty()) {
        roots.add(t.tokenId());
      } else {
        children.computeIfAbsent(inRow.get(0), k -> new ArrayList<>()).add(t.tokenId());
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String root : roots) {
      visit(root, children, seen);
    }
    for (TokenRow t : byCreation) {
      visit(t.tokenId(), children, seen);
    }
    return new ArrayList<>(seen);
  }

  private static void visit(String id, Map<String, List<String>> children, Set<String> seen) {
    if (!seen.add(id)) {
      return;
    }
    for (String child : children.getOrDefault(id, List.of())) {
      visit(child, children, seen);
    }
  }

  // ---------------------------------------------------------------- aggregation batches

  /**
   * The batches the row's tokens were buffered into, and the batches whose members are parents
   * of the row's tokens: a batch output's parents are the members, often of other rows.
   */
  private static List<BatchLineage> readBatches(Connection c, String runId,
      List<TokenLineage> tokens) throws SQLException {
    Set<String> batchIds = new LinkedHashSet<>();
    Set<String> outsideParents = new LinkedHashSet<>();
    Set<String> rowTokens = new HashSet<>();
    tokens.forEach(t -> rowTokens.add(t.tokenId()));
    for (TokenLineage t : tokens) {
      t.outcomes().stream().map(Outcome::batchId).filter(b -> b != null).forEach(batchIds::add);
      t.parentTokenIds().stream().filter(p -> !rowTokens.contains(p))
          .forEach(outsideParents::add);
    }
    inChunks(c, "SELECT DISTINCT batch_id FROM token_outcomes WHERE batch_id IS NOT NULL AND"
        + " token_id IN (%s)", List.of(), outsideParents, rs -> batchIds.add(rs.getString(1)));
    if (batchIds.isEmpty()) {
      return List.of();
    }
    record BatchRow(String batchId, String nodeId, @Nullable String stateId,
        @Nullable String triggerType, @Nullable String triggerReason, String status) {}
    Map<String, BatchRow> rows = new LinkedHashMap<>();
    inChunks(c, "SELECT batch_id, aggregation_node_id, aggregation_state_id, trigger_type,"
        + " trigger_reason, status FROM batches WHERE run_id = ? AND batch_id IN (%s)",
        List.of(runId), batchIds, rs -> rows.put(rs.getString(1), new BatchRow(rs.getString(1),
            rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6))));
    for (String id : batchIds) {
      if (!rows.containsKey(id)) {
        throw new AuditIntegrityException("token_outcomes name batch " + id
            + ", but run " + runId + " has no such batch");
      }
    }
    Map<String, List<BatchToken>> members = new HashMap<>();
    inChunks(c, "SELECT m.batch_id, m.ordinal, m.token_id, t.row_id, r.row_index"
        + " FROM batch_members m LEFT JOIN tokens t ON t.token_id = m.token_id"
        + " LEFT JOIN rows r ON r.row_id = t.row_id WHERE m.batch_id IN (%s)", List.of(),
        batchIds, rs -> members.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
            .add(new BatchToken(rs.getInt(2), rs.getString(3), rs.getString(4),
                longOrNull(rs, 5))));
    Map<String, Set<String>> seenOutputs = new HashMap<>();
    Map<String, List<BatchToken>> outputs = new HashMap<>();
    inChunks(c, "SELECT m.batch_id, t.token_id, t.row_id, r.row_index, t.created_at"
        + " FROM batch_members m JOIN token_parents p ON p.parent_token_id = m.token_id"
        + " JOIN tokens t ON t.token_id = p.token_id LEFT JOIN rows r ON r.row_id = t.row_id"
        + " WHERE t.expand_group_id IS NOT NULL AND m.batch_id IN (%s)"
        + " ORDER BY t.created_at, t.token_id", List.of(), batchIds, rs -> {
          String batch = rs.getString(1);
          if (seenOutputs.computeIfAbsent(batch, k -> new HashSet<>()).add(rs.getString(2))) {
            List<BatchToken> list = outputs.computeIfAbsent(batch, k -> new ArrayList<>());
            list.add(new BatchToken(list.size(), rs.getString(2), rs.getString(3),
                longOrNull(rs, 4)));
          }
        });
    List<BatchLineage> result = new ArrayList<>();
    for (BatchRow b : rows.values()) {
      List<BatchToken> m = new ArrayList<>(members.getOrDefault(b.batchId(), List.of()));
      m.sort(Comparator.comparingInt(BatchToken::ordinal));
      result.add(new BatchLineage(b.batchId(), b.nodeId(), b.stateId(), b.triggerType(),
          b.triggerReason(), b.status(), m, outputs.getOrDefault(b.batchId(), List.of())));
    }
    result.sort(Comparator.comparing(BatchLineage::batchId));
    return result;
  }

  // ---------------------------------------------------------------- node states and children

  private static List<StateRow> readStates(Connection c, String runId, Collection<String> tokenIds)
      throws SQLException {
    List<StateRow> states = new ArrayList<>();
    inChunks(c, "SELECT s.state_id, s.token_id, s.run_id, s.node_id, n.plugin_name, n.node_type,"
        + " s.step_index, s.attempt, s.status, s.input_hash, s.output_hash, s.duration_ms,"
        + " s.started_at, s.completed_at, s.error_json, s.context_after_json,"
        + " s.success_reason_json FROM node_states s"
        + " LEFT JOIN nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id"
        + " WHERE s.token_id IN (%s)", List.of(), tokenIds, rs -> {
          String id = rs.getString(1);
          String tokenId = rs.getString(2);
          String stateRun = rs.getString(3);
          if (!runId.equals(stateRun)) {
            throw new AuditIntegrityException("node state " + id + " of token " + tokenId
                + " belongs to run " + stateRun + ", not to run " + runId);
          }
          states.add(new StateRow(tokenId, new NodeStateLineage(id, rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getString(9),
              rs.getString(10), rs.getString(11), doubleOrNull(rs, 12),
              requiredTime(rs.getObject(13), "node_states", id, "started_at"),
              time(rs.getObject(14), "node_states", id, "completed_at"),
              json(rs.getString(15), "node_states", id, "error_json"),
              json(rs.getString(16), "node_states", id, "context_after_json"),
              json(rs.getString(17), "node_states", id, "success_reason_json"),
              List.of(), List.of())));
        });
    return states;
  }

  private static Map<String, List<RoutingEvent>> readRoutingEvents(
      Connection c, Collection<String> stateIds) throws SQLException {
    Map<String, List<RoutingEvent>> events = new HashMap<>();
    inChunks(c, "SELECT re.state_id, re.event_id, re.edge_id, e.label, e.to_node_id,"
        + " tn.node_type, re.mode, re.routing_group_id, re.ordinal, re.reason_hash,"
        + " re.reason_ref FROM routing_events re"
        + " LEFT JOIN edges e ON e.edge_id = re.edge_id"
        + " LEFT JOIN nodes tn ON tn.node_id = e.to_node_id AND tn.run_id = e.run_id"
        + " WHERE re.state_id IN (%s)", List.of(), stateIds,
        rs -> events.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(
            new RoutingEvent(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9),
                rs.getString(10), rs.getString(11))));
    events.values().forEach(l -> l.sort(Comparator.comparingInt(RoutingEvent::ordinal)
        .thenComparing(RoutingEvent::routingGroupId).thenComparing(RoutingEvent::eventId)));
    return events;
  }

  private static Map<String, List<Call>> readCalls(Connection c, Collection<String> stateIds)
      throws SQLException {
    Map<String, List<Call>> calls = new HashMap<>();
    inChunks(c, "SELECT state_id, call_id, call_index, call_type, status, request_hash,"
        + " request_ref, response_hash, response_ref, latency_ms, error_json FROM calls"
        + " WHERE state_id IN (%s)", List.of(), stateIds, rs -> {
          String id = rs.getString(2);
          calls.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Call(id,
              rs.getInt(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
              rs.getString(8), rs.getString(9), doubleOrNull(rs, 10),
              json(rs.getString(11), "calls", id, "error_json")));
        });
    calls.values().forEach(l -> l.sort(Comparator.comparingInt(Call::callIndex)));
    return calls;
  }

  private static Map<String, List<TransformError>> readTransformErrors(
      Connection c, String runId, Collection<String> tokenIds) throws SQLException {
    Map<String, List<TransformError>> errors = new HashMap<>();
    inChunks(c, "SELECT token_id, error_id, transform_id, row_hash, error_details_json,"
        + " destination, created_at FROM transform_errors WHERE run_id = ? AND token_id IN (%s)",
        List.of(runId), tokenIds, rs -> {
          String id = rs.getString(2);
          errors.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(
              new TransformError(id, rs.getString(3), rs.getString(4),
                  json(rs.getString(5), "transform_errors", id, "error_details_json"),
                  rs.getString(6),
                  requiredTime(rs.getObject(7), "transform_errors", id, "created_at")));
        });
    errors.values().forEach(l -> l.sort(Comparator.comparing(TransformError::createdAt)
        .thenComparing(TransformError::errorId)));
    return errors;
  }

  private static Map<String, List<Outcome>> readOutcomes(Connection c, Collection<String> tokenIds)
      throws SQLException {
    Map<String, List<Outcome>> outcomes = new HashMap<>();
    inChunks(c, "SELECT token_id, outcome_id, outcome, is_terminal, recorded_at, sink_name,"
        + " batch_id, fork_group_id, join_group_id, expand_group_id, error_hash,"
        + " expected_branches_json, context_json FROM token_outcomes WHERE token_id IN (%s)",
        List.of(), tokenIds, rs -> {
          String id = rs.getString(2);
          outcomes.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Outcome(id,
              rs.getString(3), rs.getInt(4) == 1,
              requiredTime(rs.getObject(5), "token_outcomes", id, "recorded_at"),
              rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
              rs.getString(10), rs.getString(11),
              json(rs.getString(12), "token_outcomes", id, "expected_branches_json"),
              json(rs.getString(13), "token_outcomes", id, "context_json")));
        });
    for (Map.Entry<String, List<Outcome>> e : outcomes.entrySet()) {
      List<String> terminal = e.getValue().stream().filter(Outcome::isTerminal)
          .map(Outcome::outcomeId).sorted().toList();
      if (terminal.size() > 1) {
        throw new AuditIntegrityException("token " + e.getKey() + " has " + terminal.size()
            + " terminal outcomes " + terminal + "; at most one is allowed");
      }
      e.getValue().sort(Comparator.comparing(Outcome::recordedAt)
          .thenComparing(Outcome::outcomeId));
    }
    return outcomes;
  }

  private static Map<String, List<Artifact>> readArtifacts(
      Connection c, String runId, Collection<String> sinkNodeIds) throws SQLException {
    Map<String, List<Artifact>> artifacts = new HashMap<>();
    inChunks(c, "SELECT artifact_id, sink_node_id, produced_by_state_id, artifact_type,"
        + " path_or_uri, content_hash, size_bytes, created_at FROM artifacts"
        + " WHERE run_id = ? AND sink_node_id IN (%s)", List.of(runId), sinkNodeIds, rs -> {
          String id = rs.getString(1);
          artifacts.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(new Artifact(
              id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getLong(7),
              requiredTime(rs.getObject(8), "artifacts", id, "created_at")));
        });
    artifacts.values().forEach(l -> l.sort(Comparator.comparing(Artifact::createdAt)
        .thenComparing(Artifact::artifactId)));
    return artifacts;
  }

  /**
   * The artifact of the sink write that included the token. A sink links its artifact only to
   * the first token's state of each write, so for the others the write is recognised by time:
   * the artifact created when the state completed, else the first created at or after the state
   * started, else the newest one of the sink.
   */
  private static @Nullable Artifact pickArtifact(NodeStateLineage sinkState, List<Artifact> all) {
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

  // ---------------------------------------------------------------- helpers

  /** Reads one result row; may throw {@link AuditIntegrityException}. */
  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  /**
   * Runs {@code sqlTemplate} (whose {@code %s} is the IN list) once per chunk of at most
   * {@value #CHUNK} distinct ids, binding {@code leading} first.
   */
  private static void inChunks(Connection c, String sqlTemplate, List<String> leading,
      Collection<String> ids, RowReader reader) throws SQLException {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(ids));
    for (int from = 0; from < distinct.size(); from += CHUNK) {
      List<String> chunk = distinct.subList(from, Math.min(from + CHUNK, distinct.size()));
      String in = String.join(", ", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement(String.format(sqlTemplate, in))) {
        int i = 1;
        for (String p : leading) {
          ps.setString(i++, p);
        }
        for (String id : chunk) {
          ps.setString(i++, id);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            reader.read(rs);
          }
        }
      }
    }
  }

  private static @Nullable Long longOrNull(ResultSet rs, int col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  private static @Nullable Double doubleOrNull(ResultSet rs, int col) throws SQLException {
    double v = rs.getDouble(col);
    return rs.wasNull() ? null : v;
  }

  private static @Nullable JsonNode json(
      @Nullable String text, String table, String id, String column) {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AuditIntegrityException(table + " " + id + ": column " + column
          + " does not hold valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String requiredTime(@Nullable Object value, String table, String id,
      String column) {
    String t = time(value, table, id, column);
    if (t == null) {
      throw new AuditIntegrityException(table + " " + id + ": column " + column + " is NULL");
    }
    return t;
  }

  /**
   * A timestamp as read from either dialect, as fixed-width ISO-8601 UTC text with microseconds
   * ({@code 2026-01-31T12:00:00.123456Z}, which sorts in time order): SQLite text
   * {@code yyyy-MM-dd HH:mm:ss[.ffffff]} (UTC wall-clock) or ISO-8601 with an offset, PostgreSQL
   * {@link Timestamp} or {@link OffsetDateTime}.
   */
  public static @Nullable String time(
      @Nullable Object value, String table, String id, String column) {
    Instant instant = instant(value, table, id, column);
    return instant == null ? null : ISO_MICROS.format(instant);
  }

  private static @Nullable Instant instant(
      @Nullable Object value, String table, String id, String column) {
    if (value == null) {
      return null;
    }
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof OffsetDateTime odt) {
      return odt.toInstant();
    }
    if (value instanceof ZonedDateTime zdt) {
      return zdt.toInstant();
    }
    if (value instanceof Timestamp ts) {
      return ts.toInstant();
    }
    if (value instanceof LocalDateTime ldt) {
      return ldt.toInstant(ZoneOffset.UTC);
    }
    String text = value.toString().trim().replace(' ', 'T');
    try {
      return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException naive) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException offset) {
        throw new AuditIntegrityException(table + " " + id + ": column " + column
            + " holds '" + value + "', which is not a timestamp", offset);
      }
    }
  }
}
