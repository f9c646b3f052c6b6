package io.elspeth.audit.token;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One instance of a source row on one path through the pipeline: the element every step reads and
 * writes. It carries the audit identity (row, token, parents, the last node state) with the row
 * data, and, once a step has decided where it ends, its destination sink and the outcome the sink
 * records after the write is durable.
 *
 * @param rowId deterministic id of the source row (run, source node, position)
 * @param tokenId unique per attempt (time-ordered UUID)
 * @param parentTokenIds parents for expanded, forked or merged tokens; empty for source tokens
 * @param rowIndex 0-based position of the source row among the rows the source yielded
 * @param order position of this token among the tokens of its row, for deterministic sink order
 * @param data the row data, an ordered map of JSON values
 * @param lastStateId the node state that last touched this token
 * @param destination sink name once routed, else null
 * @param pendingOutcome outcome recorded by the sink after a durable write: completed, routed or
 *     quarantined
 * @param errorHash for quarantined tokens: the error hash recorded with the outcome
 */
public record Token(
    String rowId,
    String tokenId,
    List<String> parentTokenIds,
    long rowIndex,
    List<Integer> order,
    Map<String, Object> data,
    @Nullable String lastStateId,
    @Nullable String destination,
    @Nullable String pendingOutcome,
    @Nullable String errorHash)
    implements Serializable {

  public Token {
    parentTokenIds = List.copyOf(parentTokenIds);
    order = List.copyOf(order);
    data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
  }

  /** A source token: no parents, a new token id. */
  public static Token fromSource(String rowId, long rowIndex, Map<String, Object> data) {
    return new Token(
        rowId, Ids.tokenId(), List.of(), rowIndex, List.of(), data, null, null, null, null);
  }

  /** The same token with new data, touched by {@code stateId}. */
  public Token withData(Map<String, Object> newData, String stateId) {
    return new Token(
        rowId,
        tokenId,
        parentTokenIds,
        rowIndex,
        order,
        newData,
        stateId,
        destination,
        pendingOutcome,
        errorHash);
  }

  /** The same token touched by {@code stateId}, data unchanged. */
  public Token touchedBy(String stateId) {
    return withData(data, stateId);
  }

  /** This token sent to a sink, where {@code outcome} is recorded once the write is durable. */
  public Token routedTo(String sinkName, String outcome, @Nullable String errorHash) {
    return new Token(
        rowId,
        tokenId,
        parentTokenIds,
        rowIndex,
        order,
        data,
        lastStateId,
        sinkName,
        outcome,
        errorHash);
  }

  /** A child token of this one (expansion), the {@code index}-th of its siblings. */
  public Token child(int index, Map<String, Object> childData, String stateId) {
    return child(index, childData, stateId, Ids.tokenId());
  }

  /**
   * A child token of this one with the id {@code childTokenId}, for a step that derives its tokens'
   * ids (a batch flush, whose re-execution must record the same tokens).
   */
  public Token child(
      int index, Map<String, Object> childData, String stateId, String childTokenId) {
    List<Integer> childOrder = new ArrayList<>(order);
    childOrder.add(index);
    return new Token(
        rowId,
        childTokenId,
        List.of(tokenId),
        rowIndex,
        childOrder,
        childData,
        stateId,
        null,
        null,
        null);
  }

  /** Orders tokens as their rows appeared in the source, children after their parent's place. */
  public static int compareBySourceOrder(Token a, Token b) {
    int c = Long.compare(a.rowIndex, b.rowIndex);
    if (c != 0) {
      return c;
    }
    for (int i = 0; i < Math.min(a.order.size(), b.order.size()); i++) {
      c = Integer.compare(a.order.get(i), b.order.get(i));
      if (c != 0) {
        return c;
      }
    }
    c = Integer.compare(a.order.size(), b.order.size());
    return c != 0 ? c : a.tokenId.compareTo(b.tokenId);
  }
}
