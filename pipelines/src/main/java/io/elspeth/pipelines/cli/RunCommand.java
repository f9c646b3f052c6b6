package io.elspeth.pipelines.cli;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.settings.PipelineSettings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth run -s FILE [--execute]}: without {@code --execute} validates and prints the plan
 * (as ELSPETH does); with it, runs the pipeline and prints the reconciled counts.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Validate and show the plan of a pipeline; run it with --execute.")
final class RunCommand implements Callable<Integer> {
  @Mixin SettingsOption settings;

  @Option(
      names = {"-x", "--execute"},
      description = "Actually run the pipeline (without it: validate and print the plan).")
  boolean execute;

  @Mixin RunnerOption runner;

  @Mixin ProgressOptions progress;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Invalid settings reach the CLI's handler: exit 1 with every problem.
    PipelineSettings s = runner.apply(settings.load());
    if (!execute) {
      // Preflight first: a missing input is the one line to read, not the end of a long plan.
      RunLauncher.preflight(s);
      printPlan(out, s);
      out.println("dry run: validated; add --execute to run");
      return 0;
    }
    RunLauncher launcher = progress.launcher(spec);
    long start = System.nanoTime();
    RunSummary summary = launcher.run(s);
    return progress.report(
        summary, (System.nanoTime() - start) / 1e9, out, err, CliErrors.verbose(spec));
  }

  /**
   * Prints a run's summary; 0 when it completed, 1 with its reason when it failed (and, with {@code
   * verbose}, the failure's stack trace).
   */
  static int report(RunSummary summary, PrintWriter out, PrintWriter err, boolean verbose) {
    if (summary.succeeded()) {
      out.println(summary.describe());
      long failed = summary.outcomes("failed");
      if (failed > 0) {
        // ELSPETH stops the run at the first row a transform rejects without on_error; here the
        // run goes on and records every such row, so say so instead of ending quietly.
        err.println(
            "warning: "
                + failed
                + " row(s) failed (rejected by a step without on_error,"
                + " or the step raised); their reasons are in the Landscape: elspeth explain"
                + " --run "
                + summary.runId()
                + " --row <row_id>, or give the step on_error: <sink>");
      }
      return 0;
    }
    err.println(CliErrors.scrub(summary.describe()));
    if (summary.partial()) {
      CliErrors.print(
          err,
          "run "
              + summary.runId()
              + " completed, but its audit export failed: "
              + summary.exportFailure());
      return 1;
    }
    String reason = "run " + summary.runId() + " failed: " + summary.failure();
    if (summary.cause() != null) {
      CliErrors.print(err, new RunFailed(reason, summary.cause()), verbose);
    } else {
      CliErrors.print(err, reason);
    }
    return 1;
  }

  /** A failed run's reason over the exception that failed it (for --verbose's trace). */
  private static final class RunFailed extends RuntimeException {
    RunFailed(String reason, Throwable cause) {
      super(reason, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // the trace that matters is the cause's
    }
  }

  private static void printPlan(PrintWriter out, PipelineSettings s) {
    PipelinePlan plan = PipelinePlan.of("(plan)", s, new SecretFingerprinter(null));
    out.println("pipeline " + s.file());
    for (PipelinePlan.Node n : plan.nodes()) {
      out.println(
          "  step "
              + n.step()
              + "  "
              + n.nodeType()
              + "  "
              + n.name()
              + " ("
              + n.pluginName()
              + ")  "
              + n.nodeId());
    }
    for (PipelinePlan.Edge e : plan.edges()) {
      out.println("  edge " + e.from() + " -[" + e.label() + "]-> " + e.to());
    }
    out.println("  landscape " + s.landscape());
    out.println("  runner " + s.runner().profile().configName());
  }
}
