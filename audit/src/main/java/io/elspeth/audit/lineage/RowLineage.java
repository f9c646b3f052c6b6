package io.elspeth.audit.lineage;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything the Landscape knows about one source row of one run, as read by {@link
 * LineageQuery#explainRow}: the run, the row, the source's validation errors for it, and every
 * token the row became, each with its node states (and their routing events and calls), transform
 * errors, outcomes and the artifact of the sink it reached.
 *
 * <p>All types are immutable records whose public accessors Jackson serialises directly; {@link
 * LineageRenderer#json} writes them with snake_case keys. Timestamps are ISO-8601 UTC text ({@code
 * 2026-01-31T12:00:00.123456Z}); stored JSON columns are parsed into {@link JsonNode}.
 *
 * @param run the run the row belongs to
 * @param row the source row
 * @param validationErrors validation errors of the source whose row_hash is the row's
 *     source_data_hash, oldest first
 * @param tokens every token of the row (tokens.row_id), parents before their children
 * @param batches the aggregation batches the row's tokens were buffered into, and those whose
 *     members are parents of the row's tokens (the way back from a batch output to every source row
 *     that went into it), by batch id
 */
public record RowLineage(
    Run run,
    SourceRow row,
    List<ValidationError> validationErrors,
    List<TokenLineage> tokens,
    List<BatchLineage> batches) {

  /** Copies the lists so the lineage stays immutable. */
  public RowLineage {
    validationErrors = List.copyOf(validationErrors);
    tokens = List.copyOf(tokens);
    batches = List.copyOf(batches);
  }

  /** The lineage of a row none of whose tokens went through an aggregation. */
  public RowLineage(
      Run run, SourceRow row, List<ValidationError> validationErrors, List<TokenLineage> tokens) {
    this(run, row, validationErrors, tokens, List.of());
  }

  /** The token with this id, if it belongs to the row. */
  public Optional<TokenLineage> token(String tokenId) {
    return tokens.stream().filter(t -> t.tokenId().equals(tokenId)).findFirst();
  }

  /** Tokens with no parent among the row's tokens: normally just the source token. */
  @JsonIgnore
  public List<TokenLineage> rootTokens() {
    List<TokenLineage> roots = new ArrayList<>();
    for (TokenLineage t : tokens) {
      if (t.parentTokenIds().stream().noneMatch(p -> token(p).isPresent())) {
        roots.add(t);
      }
    }
    return roots;
  }

  /** The row's tokens that name {@code tokenId} as a parent, in token order. */
  public List<TokenLineage> children(String tokenId) {
    return tokens.stream().filter(t -> t.parentTokenIds().contains(tokenId)).toList();
  }

  /**
   * The run ({@code runs}).
   *
   * @param runId runs.run_id
   * @param status running, completed, failed or interrupted
   * @param startedAt ISO-8601 UTC
   * @param completedAt ISO-8601 UTC, null while running
   * @param configHash stable hash of the resolved settings
   */
  public record Run(
      String runId,
      String status,
      String startedAt,
      @Nullable String completedAt,
      String configHash) {}

  /**
   * The source row ({@code rows}).
   *
   * @param rowId rows.row_id
   * @param rowIndex 0-based position among the items the source yielded
   * @param sourceNodeId the source node
   * @param sourcePluginName the source node's plugin name (null if the node is not registered)
   * @param sourceDataHash stable hash of the row as read
   * @param sourceDataRef payload-store key, if the payload was stored
   * @param createdAt ISO-8601 UTC
   */
  public record SourceRow(
      String rowId,
      long rowIndex,
      String sourceNodeId,
      @Nullable String sourcePluginName,
      String sourceDataHash,
      @Nullable String sourceDataRef,
      String createdAt) {}

  /**
   * A source validation error ({@code validation_errors}) matched to the row by row_hash.
   *
   * @param errorId validation_errors.error_id
   * @param nodeId the source node that rejected the row
   * @param rowHash hash of the rejected row (= the row's source_data_hash)
   * @param error the validation message
   * @param schemaMode schema mode of the source
   * @param destination quarantine sink name or {@code discard}
   * @param violationType type_mismatch, missing_field or extra_field
   * @param originalFieldName field name as it appeared in the source
   * @param normalizedFieldName field name after normalisation
   * @param expectedType the declared type
   * @param actualType the type found
   * @param createdAt ISO-8601 UTC
   */
  public record ValidationError(
      String errorId,
      @Nullable String nodeId,
      String rowHash,
      String error,
      String schemaMode,
      String destination,
      @Nullable String violationType,
      @Nullable String originalFieldName,
      @Nullable String normalizedFieldName,
      @Nullable String expectedType,
      @Nullable String actualType,
      String createdAt) {}

  /**
   * One token of the row and everything recorded about it.
   *
   * @param tokenId tokens.token_id
   * @param parentTokenIds parents from token_parents, by ordinal (empty for the source token)
   * @param forkGroupId set on fork children
   * @param joinGroupId set on coalesce results
   * @param expandGroupId set on expand (explode) children
   * @param branchName fork branch name
   * @param stepInPipeline audit step where the token was created (null for the source token)
   * @param createdAt ISO-8601 UTC
   * @param nodeStates the token's node states by step_index, then attempt
   * @param transformErrors transform errors recorded for the token, oldest first
   * @param outcomes the token's outcomes (buffered ones and at most one terminal), oldest first
   * @param artifact the artifact of the sink the token reached, null if it reached none or the sink
   *     recorded no artifact
   */
  public record TokenLineage(
      String tokenId,
      List<String> parentTokenIds,
      @Nullable String forkGroupId,
      @Nullable String joinGroupId,
      @Nullable String expandGroupId,
      @Nullable String branchName,
      @Nullable Integer stepInPipeline,
      String createdAt,
      List<NodeStateLineage> nodeStates,
      List<TransformError> transformErrors,
      List<Outcome> outcomes,
      @Nullable Artifact artifact) {

    /** Copies the lists so the lineage stays immutable. */
    public TokenLineage {
      parentTokenIds = List.copyOf(parentTokenIds);
      nodeStates = List.copyOf(nodeStates);
      transformErrors = List.copyOf(transformErrors);
      outcomes = List.copyOf(outcomes);
    }

    /** The token's terminal outcome, if it has one. */
    @JsonIgnore
    public Optional<Outcome> terminalOutcome() {
      return outcomes.stream().filter(Outcome::isTerminal).findFirst();
    }

    /** The token's last visit to a sink node (node_type {@code sink}), if any. */
    @JsonIgnore
    public Optional<NodeStateLineage> sinkState() {
      return nodeStates.stream()
          .filter(s -> "sink".equals(s.nodeType()))
          .max(
              Comparator.comparingInt(NodeStateLineage::stepIndex)
                  .thenComparingInt(NodeStateLineage::attempt));
    }
  }

  /**
   * One visit of a token to a node ({@code node_states} joined with {@code nodes}).
   *
   * @param stateId node_states.state_id
   * @param nodeId the node visited
   * @param pluginName the node's plugin (null if the node is not registered in the run)
   * @param nodeType source, transform, gate, aggregation, coalesce or sink
   * @param stepIndex audit step: source 0, processing nodes 1..N, sinks N+1
   * @param attempt 0-based retry attempt
   * @param status open, pending, completed or failed
   * @param inputHash stable hash of the input
   * @param outputHash stable hash of the output
   * @param durationMs how long the visit took
   * @param startedAt ISO-8601 UTC
   * @param completedAt ISO-8601 UTC
   * @param errorJson the stored error, parsed
   * @param contextAfterJson the stored context after the visit (a gate's condition, result and
   *     route_label), parsed
   * @param successReasonJson the stored success reason, parsed
   * @param routingEvents routing decisions made in this state, by ordinal
   * @param calls external calls made in this state, by call_index
   */
  public record NodeStateLineage(
      String stateId,
      String nodeId,
      @Nullable String pluginName,
      @Nullable String nodeType,
      int stepIndex,
      int attempt,
      String status,
      String inputHash,
      @Nullable String outputHash,
      @Nullable Double durationMs,
      String startedAt,
      @Nullable String completedAt,
      @Nullable JsonNode errorJson,
      @Nullable JsonNode contextAfterJson,
      @Nullable JsonNode successReasonJson,
      List<RoutingEvent> routingEvents,
      List<Call> calls) {

    /** Copies the lists so the lineage stays immutable. */
    public NodeStateLineage {
      routingEvents = List.copyOf(routingEvents);
      calls = List.copyOf(calls);
    }
  }

  /**
   * A routing decision ({@code routing_events} joined with {@code edges} and the target node).
   *
   * @param eventId routing_events.event_id
   * @param edgeId the edge taken
   * @param label the edge label: a route label, {@code __quarantine__}, {@code __error_<name>__}
   * @param toNodeId the node the edge leads to
   * @param toNodeType that node's type
   * @param mode move, copy or divert
   * @param routingGroupId one id per decision
   * @param ordinal position within the decision
   * @param reasonHash stable hash of the reason
   * @param reasonRef payload-store key of the reason
   */
  public record RoutingEvent(
      String eventId,
      String edgeId,
      @Nullable String label,
      @Nullable String toNodeId,
      @Nullable String toNodeType,
      String mode,
      String routingGroupId,
      int ordinal,
      @Nullable String reasonHash,
      @Nullable String reasonRef) {}

  /**
   * An external call made during a node state ({@code calls}).
   *
   * @param callId calls.call_id
   * @param callIndex 0-based within the state
   * @param callType llm, http, sql, filesystem, http_redirect, vector
   * @param status success or error
   * @param requestHash hash of the request
   * @param requestRef payload-store key of the request
   * @param responseHash hash of the response
   * @param responseRef payload-store key of the response
   * @param latencyMs call latency
   * @param errorJson the stored error, parsed
   */
  public record Call(
      String callId,
      int callIndex,
      String callType,
      String status,
      String requestHash,
      @Nullable String requestRef,
      @Nullable String responseHash,
      @Nullable String responseRef,
      @Nullable Double latencyMs,
      @Nullable JsonNode errorJson) {}

  /**
   * A legitimate processing error a transform returned for the token ({@code transform_errors}).
   *
   * @param errorId transform_errors.error_id
   * @param transformId the transform's node id
   * @param rowHash hash of the row the transform saw
   * @param errorDetailsJson the stored error details, parsed
   * @param destination error sink name or {@code discard}
   * @param createdAt ISO-8601 UTC
   */
  public record TransformError(
      String errorId,
      String transformId,
      String rowHash,
      @Nullable JsonNode errorDetailsJson,
      String destination,
      String createdAt) {}

  /**
   * An outcome of the token ({@code token_outcomes}).
   *
   * @param outcomeId token_outcomes.outcome_id
   * @param outcome completed, routed, forked, failed, quarantined, consumed_in_batch, coalesced,
   *     expanded, diverted or buffered
   * @param isTerminal false only for buffered
   * @param recordedAt ISO-8601 UTC
   * @param sinkName the sink the token ended in
   * @param batchId aggregation batch
   * @param forkGroupId fork group of a forked token
   * @param joinGroupId join group of a coalesced token
   * @param expandGroupId expand group of an expanded token
   * @param errorHash hash of the error of a failed or quarantined token
   * @param expectedBranchesJson fork branch names or {"count": N} of an expansion, parsed
   * @param contextJson the stored context, parsed
   */
  public record Outcome(
      String outcomeId,
      String outcome,
      @JsonProperty("is_terminal") boolean isTerminal,
      String recordedAt,
      @Nullable String sinkName,
      @Nullable String batchId,
      @Nullable String forkGroupId,
      @Nullable String joinGroupId,
      @Nullable String expandGroupId,
      @Nullable String errorHash,
      @Nullable JsonNode expectedBranchesJson,
      @Nullable JsonNode contextJson) {}

  /**
   * What the sink the token reached produced ({@code artifacts}).
   *
   * @param artifactId artifacts.artifact_id
   * @param sinkNodeId the sink node
   * @param producedByStateId the sink state the artifact is linked to (the first token of the
   *     write, not necessarily this token)
   * @param artifactType file, database or webhook
   * @param pathOrUri where it was written
   * @param contentHash hash of the content, computed by the sink
   * @param sizeBytes size of the content
   * @param createdAt ISO-8601 UTC
   */
  /**
   * One aggregation batch ({@code batches}) with its members and the tokens it produced.
   *
   * @param batchId batches.batch_id
   * @param aggregationNodeId the aggregation node
   * @param aggregationStateId the node state of the flush
   * @param triggerType count, timeout, condition or end_of_source
   * @param triggerReason why the batch was flushed
   * @param status completed or failed
   * @param members the buffered tokens, by ordinal, with the source rows they came from
   * @param outputs tokens created from the batch (transform mode), with their rows
   */
  public record BatchLineage(
      String batchId,
      String aggregationNodeId,
      @Nullable String aggregationStateId,
      @Nullable String triggerType,
      @Nullable String triggerReason,
      String status,
      List<BatchToken> members,
      List<BatchToken> outputs) {

    /** Copies the lists so the lineage stays immutable. */
    public BatchLineage {
      members = List.copyOf(members);
      outputs = List.copyOf(outputs);
    }
  }

  /**
   * A token a batch consumed or produced, located by its source row.
   *
   * @param ordinal batch_members.ordinal of a member; the position among the outputs otherwise
   * @param tokenId the token
   * @param rowId its row (null if the token is missing: the run does not reconcile)
   * @param rowIndex the row's 0-based source position (null when the row is missing)
   */
  public record BatchToken(
      int ordinal, String tokenId, @Nullable String rowId, @Nullable Long rowIndex) {}

  public record Artifact(
      String artifactId,
      String sinkNodeId,
      String producedByStateId,
      String artifactType,
      String pathOrUri,
      String contentHash,
      long sizeBytes,
      String createdAt) {}
}
