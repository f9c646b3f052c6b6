package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.InListQuery.inChunks;
import static io.elspeth.audit.lineage.StoredValues.longOrNull;
import static io.elspeth.audit.lineage.StoredValues.requiredTime;
import static io.elspeth.audit.lineage.TokenTables.pickArtifact;
import static io.elspeth.audit.lineage.TokenTables.readArtifacts;
import static io.elspeth.audit.lineage.TokenTables.readCalls;
import static io.elspeth.audit.lineage.TokenTables.readOutcomes;
import static io.elspeth.audit.lineage.TokenTables.readRoutingEvents;
import static io.elspeth.audit.lineage.TokenTables.readStates;
import static io.elspeth.audit.lineage.TokenTables.readTransformErrors;

import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import io.elspeth.audit.lineage.TokenTables.StateRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the tree of a row's tokens (parents before children, siblings in creation order) with
 * everything attached to each token, and checks the tree while reading it: every token of the row's
 * run, every parent existing in that run, at most one group id per token, and a group id exactly
 * when the token has parents.
 */
final class TokenTreeReader {
  private TokenTreeReader() {}

  /** A tokens row before its children tables are attached. */
  private record TokenRow(
      String tokenId,
      String runId,
      @Nullable String forkGroupId,
      @Nullable String joinGroupId,
      @Nullable String expandGroupId,
      @Nullable String branchName,
      @Nullable Integer stepInPipeline,
      String createdAt) {}

  static List<TokenLineage> readTokenTree(Connection c, String runId, String rowId)
      throws SQLException {
    Map<String, TokenRow> tokens = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT token_id, run_id, fork_group_id,"
                + " join_group_id, expand_group_id, branch_name, step_in_pipeline, created_at"
                + " FROM tokens WHERE row_id = ?")) {
      ps.setString(1, rowId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          Long step = longOrNull(rs, 7);
          tokens.put(
              id,
              new TokenRow(
                  id,
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  step == null ? null : step.intValue(),
                  requiredTime(rs.getObject(8), "tokens", id, "created_at")));
        }
      }
    }
    for (TokenRow t : tokens.values()) {
      if (!runId.equals(t.runId())) {
        throw new AuditIntegrityException(
            "token "
                + t.tokenId()
                + " of row "
                + rowId
                + " belongs to run "
                + t.runId()
                + ", but row "
                + rowId
                + " belongs to run "
                + runId);
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
      NodeStateLineage full =
          new NodeStateLineage(
              bare.stateId(),
              bare.nodeId(),
              bare.pluginName(),
              bare.nodeType(),
              bare.stepIndex(),
              bare.attempt(),
              bare.status(),
              bare.inputHash(),
              bare.outputHash(),
              bare.durationMs(),
              bare.startedAt(),
              bare.completedAt(),
              bare.errorJson(),
              bare.contextAfterJson(),
              bare.successReasonJson(),
              routing.getOrDefault(bare.stateId(), List.of()),
              calls.getOrDefault(bare.stateId(), List.of()));
      statesByToken.computeIfAbsent(s.tokenId(), k -> new ArrayList<>()).add(full);
    }
    Comparator<NodeStateLineage> stateOrder =
        Comparator.comparingInt(NodeStateLineage::stepIndex)
            .thenComparingInt(NodeStateLineage::attempt)
            .thenComparing(NodeStateLineage::stateId);
    statesByToken.values().forEach(l -> l.sort(stateOrder));

    Map<String, List<TransformError>> transformErrors = readTransformErrors(c, runId, tokenIds);
    Map<String, List<Outcome>> outcomes = readOutcomes(c, tokenIds);

    Map<String, NodeStateLineage> sinkStates = new HashMap<>();
    for (Map.Entry<String, List<NodeStateLineage>> e : statesByToken.entrySet()) {
      // A failed sink state (a row the sink could not write) produced nothing of the artifact.
      e.getValue().stream()
          .filter(s -> "sink".equals(s.nodeType()) && !"failed".equals(s.status()))
          .reduce((first, second) -> second)
          .ifPresent(s -> sinkStates.put(e.getKey(), s));
    }
    Map<String, List<Artifact>> artifactsBySink =
        readArtifacts(
            c,
            runId,
            sinkStates.values().stream()
                .map(NodeStateLineage::nodeId)
                .collect(Collectors.toCollection(LinkedHashSet::new)));

    List<TokenLineage> result = new ArrayList<>();
    for (String tokenId : treeOrder(tokens, parents)) {
      // treeOrder yields the keys of tokens only.
      TokenRow t = java.util.Objects.requireNonNull(tokens.get(tokenId), tokenId);
      NodeStateLineage sinkState = sinkStates.get(tokenId);
      Artifact artifact =
          sinkState == null
              ? null
              : pickArtifact(
                  sinkState, artifactsBySink.getOrDefault(sinkState.nodeId(), List.of()));
      result.add(
          new TokenLineage(
              tokenId,
              parents.getOrDefault(tokenId, List.of()),
              t.forkGroupId(),
              t.joinGroupId(),
              t.expandGroupId(),
              t.branchName(),
              t.stepInPipeline(),
              t.createdAt(),
              statesByToken.getOrDefault(tokenId, List.of()),
              transformErrors.getOrDefault(tokenId, List.of()),
              outcomes.getOrDefault(tokenId, List.of()),
              artifact));
    }
    return result;
  }

  /** token_parents of the row's tokens, by ordinal; every parent must exist in this run. */
  private static Map<String, List<String>> readParents(
      Connection c, String runId, Map<String, TokenRow> tokens) throws SQLException {
    record Link(String tokenId, String parentId, int ordinal) {}
    List<Link> links = new ArrayList<>();
    inChunks(
        c,
        "SELECT token_id, parent_token_id, ordinal FROM token_parents" + " WHERE token_id IN (%s)",
        List.of(),
        tokens.keySet(),
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
      inChunks(
          c,
          "SELECT token_id, run_id FROM tokens WHERE token_id IN (%s)",
          List.of(),
          childOfOutside.keySet(),
          rs -> runOf.put(rs.getString(1), rs.getString(2)));
      for (Map.Entry<String, String> e : childOfOutside.entrySet()) {
        String parentRun = runOf.get(e.getKey());
        if (parentRun == null) {
          throw new AuditIntegrityException(
              "token_parents names parent token "
                  + e.getKey()
                  + " of token "
                  + e.getValue()
                  + ", but token "
                  + e.getKey()
                  + " does not exist");
        }
        if (!runId.equals(parentRun)) {
          throw new AuditIntegrityException(
              "parent token "
                  + e.getKey()
                  + " of token "
                  + e.getValue()
                  + " belongs to run "
                  + parentRun
                  + ", not to run "
                  + runId);
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
        throw new AuditIntegrityException(
            "token "
                + t.tokenId()
                + " has more than one of fork_group_id, join_group_id and expand_group_id: "
                + groups);
      }
      boolean hasParents = parents.containsKey(t.tokenId());
      if (!groups.isEmpty() && !hasParents) {
        throw new AuditIntegrityException(
            "token "
                + t.tokenId()
                + " has group id "
                + groups.get(0)
                + " but no parent in token_parents");
      }
      if (groups.isEmpty() && hasParents) {
        throw new AuditIntegrityException(
            "token "
                + t.tokenId()
                + " has parents "
                + parents.get(t.tokenId())
                + " but no fork, join or expand group id");
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
      List<String> inRow =
          parents.getOrDefault(t.tokenId(), List.of()).stream()
              .filter(tokens::containsKey)
              .toList();
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
}
