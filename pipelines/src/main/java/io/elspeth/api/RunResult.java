package io.elspeth.api;

import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.pipelines.launch.RunSummary;
import java.util.Optional;

/**
 * How a run of an {@link ElspethPipeline} ended, as recorded in its Landscape: the run id, the
 * status ({@code completed} or {@code failed}), the reconciled counts, and why it failed.
 */
public final class RunResult {
  private final RunSummary summary;

  RunResult(RunSummary summary) {
    this.summary = summary;
  }

  /** The run's id in the Landscape. */
  public String runId() {
    return summary.runId();
  }

  /** {@code completed} or {@code failed}, as the Landscape records it. */
  public String status() {
    return summary.status();
  }

  public boolean succeeded() {
    return summary.succeeded();
  }

  /**
   * The run's reconciled counts (rows, tokens, terminal outcomes by {@code outcome@sink}); empty
   * when the Landscape could not be read back.
   */
  public Optional<RunReconciliation> counts() {
    return Optional.ofNullable(summary.counts());
  }

  /** The terminal outcomes named {@code outcome} over all sinks. */
  public long outcomes(String outcome) {
    return summary.outcomes(outcome);
  }

  /** Why the run failed; empty when it completed. */
  public Optional<String> failure() {
    return Optional.ofNullable(summary.failure());
  }

  /** The exception that failed the run, when there was one. */
  public Optional<Throwable> cause() {
    return Optional.ofNullable(summary.cause());
  }

  /** A few lines describing the run, as the CLI prints them. */
  @Override
  public String toString() {
    return summary.describe();
  }
}
