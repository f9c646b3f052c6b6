package io.elspeth.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.aggregates.StoredRunAggregates;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.lineage.RunGraph.GraphNode;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console shows of a settled run that it would otherwise read from the whole run: rows,
 * outcomes per sink, counts on the DAG, error groups, external calls and LLM tokens per step (the
 * tokens only: prices are the console's, applied when a page is drawn), and the reconciliation. The
 * launcher computes them when the run ends, with the same queries the console would run, and
 * records them as one JSON document ({@link StoredRunAggregates}, format {@value #FORMAT}) in the
 * transaction that marks the run completed or failed; the console's first view of the run then
 * reads one row instead of the run.
 *
 * <pre>{@code
 * RunAggregates aggregates = RunAggregates.compute(c, runId, reconciliation, payloads);
 * store.completeRun(runId, "completed", Instant.now(),
 *     tx -> aggregates.writeTo(tx, System.currentTimeMillis()));
 * }</pre>
 */
public final class RunAggregates {
  /**
   * The shape of the stored document. A document of another format (written by another release) is
   * not read: the console computes the run's aggregates from its records instead.
   */
  public static final int FORMAT = 1;

  private static final Logger LOG = LoggerFactory.getLogger(RunAggregates.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** The document: what {@link SettledRuns} keeps of a run, under the same names. */
  record Content(
      long rows,
      Map<String, Long> outcomes,
      RunDagCounts dag,
      ErrorGroups errors,
      Map<String, Map<String, CallStats>> calls,
      Map<String, List<LlmUsage>> llm,
      RunReconciliation reconciliation) {}

  private final String runId;
  private final Content content;

  private RunAggregates(String runId, Content content) {
    this.runId = runId;
    this.content = content;
  }

  /**
   * Reads the aggregates of {@code runId} from its records, as the console's pages read them:
   * {@code reconciliation} is the run's, which the launcher has just checked; {@code payloads}
   * holds the LLM responses whose token usage is summed (null: every LLM call is unread).
   */
  public static RunAggregates compute(
      Connection c, String runId, RunReconciliation reconciliation, @Nullable PayloadStore payloads)
      throws SQLException {
    RunGraph graph = RunGraph.read(c, runId);
    Map<String, Map<String, CallStats>> calls = new LinkedHashMap<>();
    Map<String, List<LlmUsage>> llm = new LinkedHashMap<>();
    for (GraphNode n : graph.nodes()) {
      Map<String, CallStats> stats = CallStats.read(c, runId, n.nodeId());
      calls.put(n.nodeId(), stats);
      if (stats.containsKey("llm")) {
        llm.put(n.nodeId(), LlmUsage.read(c, runId, n.nodeId(), payloads));
      }
    }
    return new RunAggregates(
        runId,
        new Content(
            LandscapeReads.count(c, RunSummaries.ROWS_OF_RUN, runId),
            LandscapeReads.counts(c, RunSummaries.OUTCOMES_OF_RUN, runId),
            RunDagCounts.read(c, runId, graph),
            ErrorGroups.read(c, runId),
            calls,
            llm,
            reconciliation));
  }

  /**
   * The aggregates recorded for {@code runId}; empty when none were (a run written before schema
   * version 4, or whose record is missing) or they are of another {@link #FORMAT}, or cannot be
   * read: then the run is computed from its records, which the stored document only repeats.
   */
  public static Optional<RunAggregates> stored(Connection c, String runId) throws SQLException {
    Optional<StoredRunAggregates.Stored> stored = StoredRunAggregates.read(c, runId);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    if (stored.get().formatVersion() != FORMAT) {
      LOG.info(
          "stored run aggregates of another format are computed instead run_id={}"
              + " format={} expected={}",
          runId,
          stored.get().formatVersion(),
          FORMAT);
      return Optional.empty();
    }
    try {
      return Optional.of(
          new RunAggregates(runId, JSON.readValue(stored.get().json(), Content.class)));
    } catch (JsonProcessingException e) {
      LOG.warn(
          "stored run aggregates do not read; computed from the run instead run_id={}"
              + " error={}",
          runId,
          e.getOriginalMessage());
      return Optional.empty();
    }
  }

  /** Records these aggregates on {@code c}, inside the caller's transaction; returns them. */
  public RunAggregates writeTo(Connection c, long recordedMs) throws SQLException {
    StoredRunAggregates.write(c, runId, FORMAT, recordedMs, toJson());
    return this;
  }

  /** The stored document: one JSON object, one field per figure the pages show. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(content);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "the aggregates of run "
              + runId
              + " do not write as"
              + " JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  public String runId() {
    return runId;
  }

  /** The reconciliation the aggregates were recorded with. */
  public RunReconciliation reconciliation() {
    return content.reconciliation();
  }

  /** The figures under the names {@link SettledRuns} keeps them by. */
  Map<String, Object> entries() {
    Map<String, Object> entries = new LinkedHashMap<>();
    entries.put(SettledRuns.ROWS, content.rows());
    entries.put(SettledRuns.OUTCOMES, content.outcomes());
    entries.put(SettledRuns.DAG, content.dag());
    entries.put(SettledRuns.ERRORS, content.errors());
    entries.put(SettledRuns.RECONCILIATION, content.reconciliation());
    content.calls().forEach((node, stats) -> entries.put(SettledRuns.calls(node), stats));
    content.llm().forEach((node, usage) -> entries.put(SettledRuns.llm(node), usage));
    return entries;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RunAggregates other
        && runId.equals(other.runId)
        && content.equals(other.content);
  }

  @Override
  public int hashCode() {
    return content.hashCode();
  }

  @Override
  public String toString() {
    return "RunAggregates[" + runId + "]";
  }
}
