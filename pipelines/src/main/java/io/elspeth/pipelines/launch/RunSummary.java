package io.elspeth.pipelines.launch;

import io.elspeth.audit.reconcile.RunReconciliation;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a run did: its id, status, reconciled counts, and the failure reason when it failed, with
 * the exception behind it when there was one (the CLI prints its trace with --verbose). {@code
 * exportFailure} is why the post-run export of a completed run failed (null when it succeeded or
 * there was none): the run stays completed, but did not fully succeed (ELSPETH's PARTIAL). {@code
 * verification} is what a verify run found (null in other runs).
 */
public record RunSummary(
    String runId,
    String status,
    @Nullable RunReconciliation counts,
    @Nullable String failure,
    String landscape,
    @Nullable Throwable cause,
    @Nullable String exportFailure,
    io.elspeth.connectors.replay.@Nullable VerificationReport verification) {

  /** A summary of a live or replay run. */
  public RunSummary(
      String runId,
      String status,
      @Nullable RunReconciliation counts,
      @Nullable String failure,
      String landscape,
      @Nullable Throwable cause,
      @Nullable String exportFailure) {
    this(runId, status, counts, failure, landscape, cause, exportFailure, null);
  }

  /** This summary with a verify run's report. */
  public RunSummary withVerification(
      io.elspeth.connectors.replay.@Nullable VerificationReport report) {
    return new RunSummary(runId, status, counts, failure, landscape, cause, exportFailure, report);
  }

  /** The run completed and, if one was configured, its export too. */
  public boolean succeeded() {
    return "completed".equals(status) && exportFailure == null;
  }

  /** The run completed but its post-run export failed. */
  public boolean partial() {
    return "completed".equals(status) && exportFailure != null;
  }

  /** The run's terminal outcomes named {@code outcome}, over all sinks (0 without counts). */
  public long outcomes(String outcome) {
    if (counts == null) {
      return 0;
    }
    return counts.outcomes().entrySet().stream()
        .filter(e -> e.getKey().equals(outcome) || e.getKey().startsWith(outcome + "@"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** A few lines for the terminal. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("run ").append(runId).append(": ").append(status).append('\n');
    if (counts != null) {
      sb.append("  rows: ").append(counts.rows()).append(" recorded");
      if (counts.discarded() > 0) {
        sb.append(", ").append(counts.discarded()).append(" discarded at the source");
      }
      sb.append('\n');
      for (Map.Entry<String, Long> e : counts.outcomes().entrySet()) {
        sb.append("  ")
            .append(e.getKey().replace("@", " at sink "))
            .append(": ")
            .append(e.getValue())
            .append('\n');
      }
    }
    if (failure != null) {
      sb.append("  reason: ").append(failure).append('\n');
    }
    if (exportFailure != null) {
      sb.append("  export: failed: ").append(exportFailure).append('\n');
    }
    if (verification != null) {
      sb.append("  ").append(verification.describe().replace("\n", "\n  ")).append('\n');
    }
    sb.append("  landscape: ").append(landscape);
    return sb.toString();
  }
}
