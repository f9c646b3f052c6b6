package io.elspeth.plugin;

import java.io.Serializable;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where a step sits in a run: the ids a step needs to mint its audit records. Built by the graph
 * builder before the pipeline runs, after the run, its nodes and its edges are registered.
 *
 * @param edgeIds edge id per outgoing edge label (continue, route labels, __quarantine__,
 *     __error_name__)
 * @param onError sink name or {@code discard} for rows the step rejects; null when a rejected
 *     row fails
 */
public record StepContext(
    String runId,
    String nodeId,
    String nodeName,
    int stepIndex,
    Map<String, String> edgeIds,
    @Nullable String onError)
    implements Serializable {

  public static final String DISCARD = "discard";

  public StepContext {
    edgeIds = Map.copyOf(edgeIds);
  }

  /** The id of the outgoing edge with this label; its absence is a graph-builder bug. */
  public String edgeId(String label) {
    String id = edgeIds.get(label);
    if (id == null) {
      throw new IllegalStateException(
          "node " + nodeId + " has no registered edge labelled '" + label + "'");
    }
    return id;
  }

  /** Label of the edge to the error sink of this step. */
  public String errorEdgeLabel() {
    return "__error_" + nodeName + "__";
  }
}
