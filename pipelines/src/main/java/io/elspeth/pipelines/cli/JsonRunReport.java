package io.elspeth.pipelines.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunPhase;
import io.elspeth.pipelines.launch.RunProgress;
import io.elspeth.pipelines.launch.RunSummary;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A run's events as JSON lines, with the event names and fields of ELSPETH's {@code run --format
 * json} ({@code progress}, {@code phase_started}, {@code phase_completed}, {@code phase_error},
 * {@code run_completed}) and a few of ours ({@code rows_read}, {@code rows_routed}, {@code
 * estimated_rows}, {@code eta_seconds}, {@code routed}, {@code error}). Errors go to stderr, the
 * rest to stdout, as ELSPETH does.
 */
final class JsonRunReport implements RunObserver {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintWriter out;
  private final PrintWriter err;

  JsonRunReport(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public void phaseStarted(RunPhase phase, String action, @Nullable String target) {
    Map<String, Object> e = event("phase_started");
    e.put("phase", phase.value());
    e.put("action", action);
    e.put("target", target);
    print(out, e);
  }

  @Override
  public void phaseCompleted(RunPhase phase, double durationSeconds) {
    Map<String, Object> e = event("phase_completed");
    e.put("phase", phase.value());
    e.put("duration_seconds", durationSeconds);
    print(out, e);
  }

  @Override
  public void phaseError(RunPhase phase, String error, @Nullable String target) {
    Map<String, Object> e = event("phase_error");
    e.put("phase", phase.value());
    e.put("error", error);
    e.put("target", target);
    print(err, e);
  }

  @Override
  public void progress(RunProgress p) {
    Map<String, Object> e = event("progress");
    e.put("rows_processed", p.rowsProcessed());
    e.put("rows_succeeded", p.succeeded());
    e.put("rows_failed", p.failed());
    e.put("rows_quarantined", p.quarantined());
    e.put("elapsed_seconds", p.elapsedSeconds());
    e.put("rows_per_second", p.rowsPerSecond());
    e.put("rows_read", p.rowsRead());
    e.put("rows_routed", p.routed());
    e.put("estimated_rows", p.estimate().isPresent() ? p.estimate().getAsLong() : null);
    e.put("eta_seconds", p.secondsLeft().isPresent() ? p.secondsLeft().getAsDouble() : null);
    print(out, e);
  }

  /** Prints the {@code run_completed} event; returns the exit code it names. */
  static int completed(RunSummary summary, double durationSeconds, PrintWriter out) {
    int exitCode = summary.succeeded() ? 0 : 1;
    Map<String, Object> e = event("run_completed");
    e.put("run_id", summary.runId());
    e.put("status", summary.partial() ? "partial" : summary.status());
    e.put("total_rows", summary.counts() == null ? 0 : summary.counts().rows());
    e.put("succeeded", summary.outcomes("completed"));
    e.put("failed", summary.outcomes("failed"));
    e.put("quarantined", summary.outcomes("quarantined"));
    e.put("routed", summary.outcomes("routed"));
    e.put("diverted", summary.outcomes("diverted"));
    e.put("duration_seconds", durationSeconds);
    e.put("exit_code", exitCode);
    e.put("error", summary.partial() ? summary.exportFailure() : summary.failure());
    e.put("landscape", summary.landscape());
    if (summary.verification() != null) {
      // A verify run's report (run_mode: verify); absent from other runs' events.
      e.put("verification", summary.verification().toJson());
    }
    print(out, e);
    return exitCode;
  }

  private static Map<String, Object> event(String name) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("event", name);
    return e;
  }

  private static void print(PrintWriter to, Map<String, Object> event) {
    try {
      to.println(JSON.writeValueAsString(event));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a run event of plain values did not serialise", e);
    }
  }
}
