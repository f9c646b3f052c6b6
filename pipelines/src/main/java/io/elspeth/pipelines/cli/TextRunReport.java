package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunPhase;
import io.elspeth.pipelines.launch.RunProgress;
import java.io.PrintWriter;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Progress and phase changes as lines for a person, on stderr (stdout keeps the summary). */
final class TextRunReport implements RunObserver {
  private final PrintWriter err;

  TextRunReport(PrintWriter err) {
    this.err = err;
  }

  @Override
  public void phaseStarted(RunPhase phase, String action, @Nullable String target) {
    err.println(
        "["
            + phase.value().toUpperCase(Locale.ROOT)
            + "] "
            + action
            + (target == null ? "" : " " + target)
            + "...");
  }

  @Override
  public void phaseCompleted(RunPhase phase, double durationSeconds) {
    err.println(
        "[" + phase.value().toUpperCase(Locale.ROOT) + "] done in " + duration(durationSeconds));
  }

  @Override
  public void phaseError(RunPhase phase, String error, @Nullable String target) {
    err.println(
        "["
            + phase.value().toUpperCase(Locale.ROOT)
            + "] error"
            + (target == null ? "" : " (" + target + ")")
            + ": "
            + error);
  }

  @Override
  public void progress(RunProgress p) {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "progress: %,d rows read, %,d processed (%,d succeeded, %,d routed, %,d quarantined,"
                    + " %,d failed), %,.0f rows/s, %s elapsed",
                p.rowsRead(),
                p.rowsProcessed(),
                p.succeeded(),
                p.routed(),
                p.quarantined(),
                p.failed(),
                p.rowsPerSecond(),
                duration(p.elapsedSeconds())));
    p.estimate()
        .ifPresent(
            total -> {
              // The last report has the run's own counts: a share of a sampled estimate would only
              // contradict them ("97 % of ~1,028,941 rows read" once all 1,000,000 were).
              if (total > 0 && !p.last()) {
                line.append(
                    String.format(
                        Locale.ROOT,
                        ", %d%% of ~%,d rows read",
                        Math.min(100, p.rowsRead() * 100 / total),
                        total));
              }
            });
    p.secondsLeft()
        .ifPresent(left -> line.append(", about ").append(duration(left)).append(" left to read"));
    err.println(line);
  }

  /** 4.2 s, 3m05s, 1h02m. */
  static String duration(double seconds) {
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
