package io.elspeth.plugin;

import io.elspeth.audit.store.LandscapeUrl;
import java.io.Serializable;
import java.util.BitSet;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where a step sits in a run: the ids a step needs to mint its audit records. Built by the graph
 * builder before the pipeline runs, after the run, its nodes and its edges are registered.
 *
 * @param edgeIds edge id per outgoing edge label (continue, route labels, __quarantine__,
 *     __error_name__)
 * @param onError sink name or {@code discard} for rows the step rejects; null when a rejected row
 *     fails
 * @param landscape the run's Landscape, for steps that must commit the audit trail of a failure
 *     themselves (a failed bundle's outputs are discarded); null in tests of a step alone
 * @param payloadStore base folder of the run's payload store ({@code payload_store.base_path}),
 *     where a source stores each row's canonical JSON; null when rows are not stored
 * @param resumedDone for a source in a resumed run: the indexes of the rows that reached their
 *     terminal outcomes in the run being resumed, which this run skips; null otherwise
 * @param replay the recorded run a replay or verify run answers from or compares with; null in a
 *     live run
 */
public record StepContext(
    String runId,
    String nodeId,
    String nodeName,
    int stepIndex,
    Map<String, String> edgeIds,
    @Nullable String onError,
    @Nullable LandscapeUrl landscape,
    @Nullable String payloadStore,
    @Nullable BitSet resumedDone,
    io.elspeth.connectors.replay.@Nullable ReplaySource replay)
    implements Serializable {

  public static final String DISCARD = "discard";

  public StepContext {
    edgeIds = Map.copyOf(edgeIds);
  }

  /** A context of a live run. */
  public StepContext(
      String runId,
      String nodeId,
      String nodeName,
      int stepIndex,
      Map<String, String> edgeIds,
      @Nullable String onError,
      @Nullable LandscapeUrl landscape,
      @Nullable String payloadStore,
      @Nullable BitSet resumedDone) {
    this(
        runId,
        nodeId,
        nodeName,
        stepIndex,
        edgeIds,
        onError,
        landscape,
        payloadStore,
        resumedDone,
        null);
  }

  /** This context, in a replay or verify run of {@code source} (null: a live run). */
  public StepContext withReplay(io.elspeth.connectors.replay.@Nullable ReplaySource source) {
    return new StepContext(
        runId,
        nodeId,
        nodeName,
        stepIndex,
        edgeIds,
        onError,
        landscape,
        payloadStore,
        resumedDone,
        source);
  }

  /** Where this step's external calls are answered from in a replay run; null otherwise. */
  public io.elspeth.connectors.replay.@Nullable ReplaySource replaySource() {
    return replay != null && replay.replays() ? replay : null;
  }

  /** A context without a Landscape of its own (steps tested alone). */
  public StepContext(
      String runId,
      String nodeId,
      String nodeName,
      int stepIndex,
      Map<String, String> edgeIds,
      @Nullable String onError) {
    this(runId, nodeId, nodeName, stepIndex, edgeIds, onError, null, null, null);
  }

  /**
   * This context, committing failure trails to {@code url} (null: none, as a step tested alone).
   */
  public StepContext withLandscape(@Nullable LandscapeUrl url) {
    return new StepContext(
        runId,
        nodeId,
        nodeName,
        stepIndex,
        edgeIds,
        onError,
        url,
        payloadStore,
        resumedDone,
        replay);
  }

  /** This context, storing source rows in the payload store at {@code basePath}. */
  public StepContext withPayloadStore(String basePath) {
    return new StepContext(
        runId,
        nodeId,
        nodeName,
        stepIndex,
        edgeIds,
        onError,
        landscape,
        basePath,
        resumedDone,
        replay);
  }

  /** This (source) context, skipping the rows a resumed run already finished. */
  public StepContext withResumedDone(BitSet done) {
    return new StepContext(
        runId,
        nodeId,
        nodeName,
        stepIndex,
        edgeIds,
        onError,
        landscape,
        payloadStore,
        (BitSet) done.clone(),
        replay);
  }

  /** Whether the row at {@code rowIndex} reached its outcomes in the run this one resumes. */
  public boolean isDoneInResumedRun(long rowIndex) {
    return resumedDone != null && rowIndex <= Integer.MAX_VALUE && resumedDone.get((int) rowIndex);
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
