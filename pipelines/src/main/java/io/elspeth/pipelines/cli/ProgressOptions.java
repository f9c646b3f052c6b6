package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunSummary;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How run and resume report while they work: progress every few seconds and phase changes on stderr
 * as text, or everything (the summary included) as JSON lines with ELSPETH's event names.
 */
final class ProgressOptions {
  enum Format {
    text,
    json
  }

  @Option(
      names = "--progress-interval",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "Seconds between progress reports while rows flow (default 5).")
  double intervalSeconds;

  @Option(names = "--quiet", description = "No progress or phase reports; only the final summary.")
  boolean quiet;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description =
          "text (default) or json: JSON lines on stdout (progress, phase_started,"
              + " phase_completed, run_completed; phase_error on stderr).")
  Format format;

  /** The launcher these options ask for; a usage error when the interval is not positive. */
  RunLauncher launcher(CommandSpec spec) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!(intervalSeconds > 0) || intervalSeconds > Duration.ofDays(1).toSeconds()) {
      throw new ParameterException(
          spec.commandLine(),
          "--progress-interval: expected a number"
              + " of seconds above 0 (and at most a day), got "
              + intervalSeconds);
    }
    if (quiet) {
      return new RunLauncher();
    }
    RunObserver observer =
        format == Format.json ? new JsonRunReport(out, err) : new TextRunReport(err);
    return new RunLauncher(
        observer, Duration.ofNanos(Math.round(intervalSeconds * 1_000_000_000L)));
  }

  /** Prints the summary in the chosen format; 0 when the run completed, else 1. */
  int report(
      RunSummary summary,
      double durationSeconds,
      PrintWriter out,
      PrintWriter err,
      boolean verbose) {
    if (format == Format.json) {
      return JsonRunReport.completed(summary, durationSeconds, out);
    }
    return RunCommand.report(summary, out, err, verbose);
  }
}
